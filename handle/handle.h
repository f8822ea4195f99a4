// ae::Handle: a buffered, non-blocking stream with read and write queues (AnyEvent::Handle).
//
// A Handle owns a stream fd (a socket, pipe or tty), or connects one itself through
// ae::default_connector() (//socket's tcp_connect when linked). Reads are queued with push_read /
// unshift_read in the read types of handle/types.h, or taken by on_read; writes are appended with
// push_write and flushed as the fd accepts them. Errors, timeouts and end-of-file arrive at
// callbacks with AnyEvent's errno meanings. TLS (or any other byte transformer) plugs in through
// core's ae::StreamFilter: starttls(filter), stoptls().
//
// Example (a line-based client; tests/handle/connect_socket_test.cc runs it):
//   ae::Handle h("localhost", port, {
//       .on_connect = [](ae::Handle& h, const ae::SocketAddress&, ae::Function<void()>) {
//         h.push_write("hello\n");
//       },
//       .on_error = [](ae::Handle&, bool fatal, std::error_code ec, std::string_view msg) {
//         std::cerr << msg << " (" << ec << (fatal ? ", fatal" : "") << ")\n";
//       },
//   });
//   ae::CondVar<std::string> reply;
//   h.push_read(ae::line, [&](ae::Handle&, std::string line, std::string) { reply.send(line); });
//   std::cout << reply.recv() << "\n";
//
// Callbacks: every callback receives the Handle first. No callback ever runs inside the call
// that caused it (the constructor, push_read, push_write, a setter ...): work found there is
// finished from the loop right after the current callback returns. This is the one deliberate
// difference from AnyEvent::Handle, which may call back synchronously; it means code that calls
// several methods in a row never finds the Handle destroyed half-way.
//
// Errors: on_error(h, fatal, ec, message) with AnyEvent's meanings: fatal I/O errors (errno),
// EPIPE (end-of-file with reads still queued), ENOSPC (rbuf_max / wbuf_max exceeded), EPROTO
// (the filter failed), code 0 "Unexpected end-of-file" (end-of-file without on_eof), connect
// errors; after a fatal error's callback returns, the Handle is destroyed (destroy()).
// Non-fatal: ETIMEDOUT (a timeout without its callback, repeating every period) and EBADMSG
// (malformed netstring, packstring, json or a regex reject); the Handle stays usable.
// Without on_error, an error destroys the Handle and is logged through core's log hook at level
// error (AnyEvent croaks instead; a croak from inside the loop would let any peer stop a server).
//
// Lifetime: a Handle is a movable owner of its state (which lives on the heap at a fixed
// address). Destroying it is destroy() plus freeing: safe anywhere, including inside its own
// callbacks, and no callback runs afterwards. It owns the fd and closes it then (after lingering
// to flush unwritten data, see `linger`). A moved-from or default-constructed Handle is empty:
// destroyed() is true and every method is a silent no-op. Callbacks get the Handle by reference
// at its current address; do not move a Handle inside its own callback and keep using the
// reference. Typical owners: a member, `std::unique_ptr<ae::Handle>`, a std::list or map entry.
//
// Thread safety: a Handle belongs to the loop that was current when it was made; use it on that
// loop's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/buffer.h"
#include "core/function.h"
#include "core/socket_address.h"
#include "core/stream_filter.h"
#include "core/watchers.h"
#include "handle/types.h"

namespace ae {

namespace handle_internal {
class HandleImpl;
}

// ---- Callback types (also Handle::Callback, Handle::ErrorCallback, ...) ------------------------

// on_read, on_eof, on_drain, on_timeout, on_rtimeout, on_wtimeout, on_stoptls.
using HandleCallback = Function<void(Handle&)>;
// on_error: `fatal` says the Handle is destroyed once the callback returns.
using HandleErrorCallback =
    Function<void(Handle&, bool fatal, std::error_code ec, std::string_view message)>;
// on_prepare: runs with fd() set to each new, unconnected socket before its connect(2), and
// returns the attempt's timeout (zero: the OS's own).
using HandlePrepareCallback = Function<Seconds(Handle&)>;
// on_connect: the connected peer, and AnyEvent's $retry: calling it (now or later, at most once)
// drops this connection (fd, read queue, buffers, timeouts, filter) and connects to the next
// address; on_connect or on_connect_error runs again with the outcome. Calling it after the
// Handle is gone or reconnected does nothing.
using HandleConnectCallback =
    Function<void(Handle&, const SocketAddress& peer, Function<void()> retry)>;
// on_connect_error: the connect failed for good; the Handle is destroyed after the callback.
using HandleConnectErrorCallback =
    Function<void(Handle&, std::error_code ec, std::string_view message)>;
// on_starttls: the filter's handshake finished (ok) or failed (!ok, with why).
using HandleStartTlsCallback =
    Function<void(Handle&, bool ok, std::error_code ec, std::string_view message)>;

// ---- Options (Handle::Options) -----------------------------------------------------------------

// The constructor options of AnyEvent::Handle, in this order for designated initializers. Each
// has a method of the same name to change it later. (Every member has a default initializer, so
// designated initializers naming only some of them compile cleanly under -Wextra.)
struct HandleOptions {
  // Connecting (only with the host/service constructor).
  HandlePrepareCallback on_prepare{};
  HandleConnectCallback on_connect{};
  HandleConnectErrorCallback on_connect_error{};

  HandleErrorCallback on_error{};
  // Runs when data arrived and no reader is queued; it may consume from the front of rbuf(),
  // push readers, or leave the data there.
  HandleCallback on_read{};
  // Runs at a clean end-of-file with no reader queued (the rest of rbuf() has gone to on_read
  // first). Writing may go on (half-close). Without it, end-of-file is the fatal error
  // 0 "Unexpected end-of-file".
  HandleCallback on_eof{};
  // Runs each time a write leaves at most low_water_mark bytes queued (and once soon after it is
  // set while that already holds).
  HandleCallback on_drain{};

  // Inactivity timeouts in seconds (0: off): any successful read or write, reads only, writes
  // only. Active even when nothing is queued; armed once connected. On expiry the activity time
  // is reset, then the callback runs, or without one a non-fatal ETIMEDOUT error (again every
  // period while nothing happens).
  double timeout = 0;
  double rtimeout = 0;
  double wtimeout = 0;
  HandleCallback on_timeout{};
  HandleCallback on_rtimeout{};
  HandleCallback on_wtimeout{};

  // Fatal ENOSPC when the read buffer holds more than rbuf_max bytes after the read queue ran,
  // or more than wbuf_max bytes are queued after a write attempt: the write buffer, what waits
  // for the connection, and what the filter holds back (TLS data written during the handshake).
  // nullopt: no limit.
  std::optional<std::size_t> rbuf_max{};
  std::optional<std::size_t> wbuf_max{};

  // autocork: wait for the next writable event instead of writing inside push_write.
  bool autocork = false;
  // TCP_NODELAY, SO_KEEPALIVE, SO_OOBINLINE (set when the fd is a socket that supports them).
  bool no_delay = false;
  bool keepalive = false;
  bool oobinline = true;

  // Each read asks for read_size bytes; a read that fills it doubles it, up to max_read_size
  // (131072, or read_size when that is larger).
  std::size_t read_size = 2048;
  std::size_t max_read_size = 131072;
  // on_drain's threshold.
  std::size_t low_water_mark = 0;
  // Back-pressure (libevent's write watermarks, Envoy's readDisable): once more than
  // high_water_mark bytes wait in the write buffer, the Handle stops reading, and starts again
  // when they drained to low_water_mark. A server that echoes or forwards what it reads then
  // holds at most about high_water_mark plus one read for a peer that sends without reading,
  // and TCP flow control slows that peer down. Bytes a filter holds back until its handshake is
  // done do not count (reading must go on for the handshake to finish). 0: off.
  std::size_t high_water_mark = 0;
  // Seconds to keep flushing unwritten data after destroy (0: drop it and close at once), within
  // the loop's limits on lingering connections (ae::set_linger_limits). Lingering writes belong
  // to the Handle's loop: destroying the loop drops them and closes their fds.
  double linger = 3600;

  // The name in error messages (and for a TLS filter factory to use for SNI and verification);
  // the host by default when connecting.
  std::string peername{};

  // Starts a filter (TLS) as soon as the fd is there (after each connect): starttls(tls(h)).
  // AnyEvent's `tls` + `tls_ctx`: the factory chooses the role and context, and may use
  // h.peername() for SNI and name verification. In the fd constructor it runs inside the
  // constructor, so that writes pushed right after it are already encoded; while connecting,
  // writes wait and are encoded once the filter is there. A factory returning null is the fatal
  // error EPROTO "TLS support not available".
  FilterFactory tls{};
  // Receives the filter handshake's outcome instead of on_error (see starttls()).
  HandleStartTlsCallback on_starttls{};
  // Runs when the peer closed the filtered stream in order (TLS close_notify), after the filter
  // was dropped; without it, that counts as end-of-file.
  HandleCallback on_stoptls{};
  // Seconds to wait for the peer's answer once our filter close went out (stoptls(), or
  // push_shutdown() with a filter), counted from the last byte received, so that a peer that
  // never sends its close_notify cannot keep the Handle forever: when it passes, the fatal error
  // ETIMEDOUT. 0: wait as long as it takes.
  double close_timeout = 30;
};

// ---- Lingering (process-wide settings) ---------------------------------------------------------

// Bounds on the destroyed Handles that still flush unwritten data (`linger`), so that peers
// that never read cannot pin fds and memory for an hour each. Enforced per loop (a program with
// one loop per core may hold that many times as much): when a Handle starts lingering and its
// loop then holds more than max_handles lingering connections or max_bytes unwritten bytes, the
// oldest lingering connections are dropped (closed, their data lost) with a warning through the
// log hook, until both hold again.
struct LingerLimits {
  std::size_t max_handles = 1024;
  std::size_t max_bytes = std::size_t{64} << 20;
};
// Sets the limits for every loop from now on (lingering connections over them go when the next
// one starts). Thread safety: any thread.
void set_linger_limits(LingerLimits limits) noexcept;
LingerLimits linger_limits() noexcept;

class Handle {
 public:
  using Callback = HandleCallback;
  using ErrorCallback = HandleErrorCallback;
  using PrepareCallback = HandlePrepareCallback;
  using ConnectCallback = HandleConnectCallback;
  using ConnectErrorCallback = HandleConnectErrorCallback;
  using StartTlsCallback = HandleStartTlsCallback;
  using Options = HandleOptions;

  // ---- Construction -----------------------------------------------------------------------------

  // An empty Handle (destroyed() is true).
  Handle() noexcept = default;

  // Takes ownership of stream fd `fd` and makes it non-blocking.
  // Errors: std::invalid_argument for a negative or closed fd, or a socket that is not
  // SOCK_STREAM (UDP); the fd then stays the caller's.
  explicit Handle(int fd, Options options = {});

  // Connects to `host`:`service` through ae::default_connector() ("unix/" and a path for a
  // unix-domain socket). The connect starts from the loop; until it succeeds push_read,
  // push_write and the setters work and their data waits, and timeouts are not armed.
  Handle(std::string_view host, std::string_view service, Options options = {});

  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  // destroy(), then frees the state (after the running callback, if inside one).
  ~Handle();

  // ---- State ------------------------------------------------------------------------------------

  // The fd; -1 while connecting and after destroy().
  int fd() const noexcept;
  // True after destroy() (and for an empty Handle). AnyEvent's `destroyed`.
  bool destroyed() const noexcept;
  // Stops everything: no callback runs afterwards and later calls are silent no-ops. Unwritten
  // data is flushed for up to `linger` seconds, then the fd is closed. Safe in any callback.
  void destroy();

  // The read buffer. on_read and custom readers consume from its front; appending or inserting
  // is allowed only to give back bytes a reader took.
  Buffer& rbuf() noexcept;
  // The bytes queued for the fd (after the filter), not yet accepted by the kernel.
  const Buffer& wbuf() const noexcept;
  // The stream offset of rbuf()'s first byte: the number of bytes consumed from its front so far.
  // Incremental readers use it to notice that someone else consumed bytes in between.
  std::uint64_t rbuf_start() const noexcept;

  const std::string& peername() const noexcept;
  // The connected peer: what the connector reported, or for an fd given to the constructor what
  // getpeername(2) says (empty for non-sockets and while connecting).
  const SocketAddress& peer() const noexcept;

  // ---- Callbacks (replace; nullptr clears) ------------------------------------------------------
  // Each takes effect at once. A callback replaced while it runs finishes normally.

  void on_error(ErrorCallback cb);
  // Setting it (non-null) makes the Handle read, and runs it soon if data is buffered.
  void on_read(Callback cb);
  void on_eof(Callback cb);
  // Runs soon after it is set if the write buffer is already at or below low_water_mark.
  void on_drain(Callback cb);
  // Clearing a timeout callback leaves the timeout running (it then raises ETIMEDOUT).
  void on_timeout(Callback cb);
  void on_rtimeout(Callback cb);
  void on_wtimeout(Callback cb);
  void on_starttls(StartTlsCallback cb);
  void on_stoptls(Callback cb);

  // ---- Settings --------------------------------------------------------------------------------

  // Set a timeout in seconds (0: off), checked against the last activity soon after the call
  // (so an overdue one fires from the loop right away).
  // Errors: std::invalid_argument for a negative or NaN value.
  void timeout(double seconds);
  void rtimeout(double seconds);
  void wtimeout(double seconds);
  // Mark activity now (AnyEvent's timeout_reset): cheap, no timer is touched.
  void timeout_reset() noexcept;
  void rtimeout_reset() noexcept;
  void wtimeout_reset() noexcept;

  void rbuf_max(std::optional<std::size_t> bytes) noexcept;
  void wbuf_max(std::optional<std::size_t> bytes) noexcept;
  void autocork(bool on) noexcept;
  // Set the socket option now if there is an fd (errors ignored, as AnyEvent does), and on each
  // later connection.
  void no_delay(bool on) noexcept;
  void keepalive(bool on) noexcept;
  void oobinline(bool on) noexcept;
  void read_size(std::size_t bytes) noexcept;
  // The current read size (it grows as reads fill it).
  std::size_t read_size() const noexcept;
  void max_read_size(std::size_t bytes) noexcept;
  void low_water_mark(std::size_t bytes) noexcept;
  // Takes effect at once (reading stops or resumes as the write buffer is now).
  void high_water_mark(std::size_t bytes);
  void linger(double seconds) noexcept;
  // Errors: std::invalid_argument for a negative or NaN value.
  void close_timeout(double seconds);
  void peername(std::string name);

  // ---- Reading ---------------------------------------------------------------------------------

  // Appends a reader to the read queue (AnyEvent's push_read). Readers run in order from the
  // loop as data arrives, never inside this call; a reader pushed from inside a reader callback
  // of this Handle runs in the same drain pass. A reader that returns false after consuming
  // bytes (skipping garbage, say) is called again at once, since the rest of the buffer may
  // already complete it; one that consumed nothing waits for more data.
  void push_read(Reader reader);
  // Prepends a reader: it runs before every reader already queued (AnyEvent's unshift_read).
  void unshift_read(Reader reader);

  // The typed forms: push_read(ae::line, cb), push_read(ae::chunk(4), cb), ... (handle/types.h).
  template <ReadType T>
  void push_read(const T& type, typename T::Callback cb) {
    push_read(type.reader(std::move(cb)));
  }
  template <ReadType T>
  void unshift_read(const T& type, typename T::Callback cb) {
    unshift_read(type.reader(std::move(cb)));
  }

  // Stops reading until the next push_read, unshift_read, on_read() or start_read().
  // (A Handle reads only while a reader or on_read is set, or a filter is active and nothing it
  // decoded waits unread in rbuf(); and never while high_water_mark holds reading back.)
  void stop_read() noexcept;
  // Starts reading again (no-op after end-of-file, while connecting, or when destroyed).
  void start_read();

  // ---- Writing ---------------------------------------------------------------------------------

  // Queues bytes and, unless autocork, writes what the fd takes at once. Errors found here (a
  // broken pipe, wbuf_max) reach on_error from the loop, never inside this call. Ignored after
  // destroy().
  void push_write(std::string_view bytes);
  void push_write(const void* bytes, std::size_t n) {
    push_write(std::string_view(static_cast<const char*>(bytes), n));
  }

  // The typed forms: push_write(ae::netstring, s), push_write(ae::packstring("N"), s),
  // push_write(ae::json, {{"k", 1}}) (handle/json.h): the value converts to the type's Value.
  template <WriteType T>
  void push_write(const T& type, const typename T::Value& value) {
    push_write(std::string_view(type.encode(value)));
  }

  // Shuts the write side down (shutdown(SHUT_WR); with a filter, its close first) once everything
  // queued is written. Like AnyEvent it replaces on_drain and clears low_water_mark.
  void push_shutdown();

  // ---- Filters (TLS) ---------------------------------------------------------------------------

  // Puts `filter` between the buffers and the fd (AnyEvent's starttls): everything already in
  // rbuf() is fed to it first (which is what makes tls_detect / tls_autostart work), later reads
  // go through it, and push_write encodes through it. Bytes queued in wbuf() before the call are
  // written as they are. Called before the fd exists (while connecting), it waits for the
  // connection. The handshake's outcome goes to on_starttls when set (a failure then only drops
  // the filter); else a failure is a fatal error: the filter's own code when it already means
  // EPROTO (ae::tls::Error does) or is a system error, else EPROTO.
  // Errors: std::logic_error when a filter is already active; std::invalid_argument for null.
  void starttls(std::unique_ptr<StreamFilter> filter);
  // Starts an orderly close of the filter (TLS close_notify). When the peer's close arrives the
  // filter is dropped, bytes after it go to rbuf() as plain data, and on_stoptls runs (without
  // it: end-of-file). A peer that does not answer within close_timeout is a fatal ETIMEDOUT.
  void stoptls();
  // Drops the filter at once, without a close (data inside it is lost).
  void resettls() noexcept;
  // The active filter, or null.
  StreamFilter* filter() const noexcept;

  // ---- For readers -----------------------------------------------------------------------------

  // Raises an error as the Handle itself does: on_error runs when the current reader (or other
  // callback) returns, never inside this call; a fatal error then destroys the Handle.
  void raise_error(std::error_code ec, std::string message, bool fatal = false);

 private:
  friend class handle_internal::HandleImpl;
  handle_internal::HandleImpl* impl_ = nullptr;
};

}  // namespace ae
