// HandleImpl: the state behind an ae::Handle. Private to //handle.
//
// It lives on the heap at a fixed address, so watchers and connector callbacks can capture
// `this`; the Handle object that owns it may move. Every entry from the loop (io, timer,
// connector) opens a Frame; while one is open, deleting the Handle only orphans the impl, and the
// outermost Frame frees it on the way out. That is what makes destroying a Handle inside its own
// callbacks safe.
//
// User callbacks are "borrowed" out of their slot while they run (Borrow), so replacing or
// clearing a callback from inside itself never destroys the running closure.
//
// Work that would call back (reader drains, errors, on_drain, on_starttls) is queued; it runs
// at the end of the current entry (run_pending), or, when a user method found it outside any
// entry, from a zero-delay timer (`soon_`), so no callback runs inside the method that caused it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "core/buffer.h"
#include "core/connector.h"
#include "core/guard.h"
#include "core/loop.h"
#include "core/socket_address.h"
#include "core/stream_filter.h"
#include "handle/handle.h"

namespace ae::handle_internal {

// A user callback and a generation number bumped on every assignment.
template <class Sig>
struct Slot {
  Function<Sig> fn;
  std::uint32_t generation = 0;
  bool running = false;
  void set(Function<Sig> f) {
    fn = std::move(f);
    ++generation;
  }
  explicit operator bool() const noexcept { return static_cast<bool>(fn); }
};

class HandleImpl {
 public:
  HandleImpl(Handle* owner, Handle::Options options);
  ~HandleImpl();
  HandleImpl(const HandleImpl&) = delete;
  HandleImpl& operator=(const HandleImpl&) = delete;

  // Construction paths (after the constructor).
  void adopt_fd(int fd, bool is_socket);
  void begin_connect(std::string_view host, std::string_view service);

  // The Handle object went away (or moved: set_owner).
  void release();
  void set_owner(Handle* owner) noexcept { owner_ = owner; }

  // ---- the Handle API ----
  int fd() const noexcept { return fd_; }
  bool destroyed() const noexcept { return destroyed_; }
  void destroy();
  Buffer& rbuf() noexcept { return rbuf_; }
  const Buffer& wbuf() const noexcept { return wbuf_; }
  std::uint64_t rbuf_start() const noexcept { return appended_ - rbuf_.size(); }
  const std::string& peername() const noexcept { return peername_; }
  const SocketAddress& peer() const noexcept;

  void on_error(Handle::ErrorCallback cb) { on_error_.set(std::move(cb)); }
  void on_read(Handle::Callback cb);
  void on_eof(Handle::Callback cb) { on_eof_.set(std::move(cb)); }
  void on_drain(Handle::Callback cb);
  void on_timeout(Handle::Callback cb) { on_timeout_.set(std::move(cb)); }
  void on_rtimeout(Handle::Callback cb) { on_rtimeout_.set(std::move(cb)); }
  void on_wtimeout(Handle::Callback cb) { on_wtimeout_.set(std::move(cb)); }
  void on_starttls(Handle::StartTlsCallback cb) { on_starttls_.set(std::move(cb)); }
  void on_stoptls(Handle::Callback cb) { on_stoptls_.set(std::move(cb)); }

  enum TimeoutKind { kAnyTimeout = 0, kReadTimeout = 1, kWriteTimeout = 2 };
  void set_timeout(TimeoutKind kind, double seconds);
  void timeout_reset(TimeoutKind kind) noexcept;

  void rbuf_max(std::optional<std::size_t> n) noexcept { rbuf_max_ = n; }
  void wbuf_max(std::optional<std::size_t> n) noexcept { wbuf_max_ = n; }
  void autocork(bool on) noexcept { autocork_ = on; }
  void no_delay(bool on) noexcept;
  void keepalive(bool on) noexcept;
  void oobinline(bool on) noexcept;
  void read_size(std::size_t n) noexcept { read_size_ = n == 0 ? 1 : n; }
  std::size_t read_size() const noexcept { return read_size_; }
  void max_read_size(std::size_t n) noexcept { max_read_size_ = n; }
  void low_water_mark(std::size_t n) noexcept { low_water_mark_ = n; }
  void high_water_mark(std::size_t n);
  void linger(double seconds) noexcept { linger_ = seconds; }
  void close_timeout(double seconds);
  void peername(std::string name) { peername_ = std::move(name); }

  void push_read(Reader r, bool front);
  void stop_read() noexcept;
  void start_read();

  void push_write(std::string_view bytes);
  void push_shutdown();

  void starttls(std::unique_ptr<StreamFilter> filter);
  void stoptls();
  void resettls() noexcept;
  StreamFilter* filter() const noexcept { return filter_.get(); }

  void raise(std::error_code ec, std::string message, bool fatal);

 private:
  // Keeps the impl alive across user callbacks (see the file comment).
  class Frame {
   public:
    explicit Frame(HandleImpl& h) noexcept : h_(h) { ++h_.depth_; }
    ~Frame() { h_.leave(); }
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;

   private:
    HandleImpl& h_;
  };
  void leave();

  // Calls the callback in `slot` with the Handle and `args`, borrowing it meanwhile.
  template <class R, class... P, class... A>
  R call(Slot<R(Handle&, P...)>& slot, A&&... args);

  struct Event {
    enum class Kind { kError, kStartTls, kStopTls };
    Kind kind;
    bool flag = false;  // fatal (kError), ok (kStartTls)
    std::error_code ec;
    std::string message;
  };

  // Loop entries.
  void on_readable();
  void on_writable();
  void on_timer();
  void on_soon();
  Seconds on_prepare_fd(int fd);
  void on_connected(std::error_code ec, Connection c);

  bool has_pending() const noexcept;
  void schedule();     // makes sure pending work runs soon
  void run_pending();  // events, read drains and on_drain until nothing is left
  void deliver_events();
  void drain_rbuf();          // AnyEvent's _drain_rbuf
  void flush(bool writable);  // AnyEvent's _drain_wbuf
  void pump_filter();         // moves bytes between the filter and the buffers
  void filter_failed();
  void start_io();  // AnyEvent's _start: the fd is there and connected
  void stop_io() noexcept;
  void rearm_timer();
  // The loop's time, refreshed first: a timeout armed inside a slow callback must count from
  // when it was armed, not from when the loop iteration began (Loop::now() is cached).
  double fresh_now() noexcept;
  // What give_back_capacity() leaves a buffer however empty it is.
  std::size_t kept_capacity() const noexcept;
  void filter_close_started();
  double close_deadline() const noexcept;  // infinity when no filter close is awaited
  void retry(std::uint64_t generation);
  Function<void()> make_retry();
  void apply_sockopt(int level, int name, bool on) noexcept;
  void install_filter(std::unique_ptr<StreamFilter> filter);
  bool drain_condition() const noexcept;
  // The bytes written and not yet taken by the kernel: wbuf(), what waits for the connection and
  // what the filter holds back.
  std::size_t queued() const noexcept;
  // Raises the fatal ENOSPC and returns false when queued() passed wbuf_max.
  bool check_wbuf_max();
  // Stops reading when wbuf() passed high_water_mark, starts again at low_water_mark.
  void check_back_pressure();
  // True when something would take data read now (a reader, on_read, the filter).
  bool wants_data() const noexcept;
  void close_fd() noexcept;

  Handle* owner_;
  Loop* loop_;
  int fd_ = -1;
  bool is_socket_ = false;
  int depth_ = 0;
  bool orphaned_ = false;
  bool destroyed_ = false;
  bool failing_ = false;  // a fatal error is on its way to on_error
  bool connecting_ = false;
  bool connect_pending_ = false;
  bool preparing_ = false;  // fd_ is a connect attempt's socket, lent to on_prepare
  bool eof_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool draining_ = false;
  bool need_drain_ = false;
  bool drain_pending_ = false;
  bool shutdown_pending_ = false;
  bool shutdown_done_ = false;
  bool filter_closing_ = false;   // filter_->shutdown() was called
  bool filter_reported_ = false;  // on_starttls has had the handshake's outcome

  Buffer rbuf_;
  Buffer wbuf_;
  Buffer filter_in_;
  Buffer plain_pending_;        // written before the connection's filter was there
  std::uint64_t appended_ = 0;  // bytes ever appended to rbuf_
  std::deque<Reader> queue_;
  std::deque<Event> events_;

  Io rw_;
  Io ww_;
  Timer timer_;
  Timer soon_;

  Slot<void(Handle&, bool, std::error_code, std::string_view)> on_error_;
  Slot<void(Handle&)> on_read_;
  Slot<void(Handle&)> on_eof_;
  Slot<void(Handle&)> on_drain_;
  Slot<void(Handle&)> on_timeout_;
  Slot<void(Handle&)> on_rtimeout_;
  Slot<void(Handle&)> on_wtimeout_;
  Slot<void(Handle&, bool, std::error_code, std::string_view)> on_starttls_;
  Slot<void(Handle&)> on_stoptls_;
  Slot<Seconds(Handle&)> on_prepare_;
  Slot<void(Handle&, const SocketAddress&, Function<void()>)> on_connect_;
  Slot<void(Handle&, std::error_code, std::string_view)> on_connect_error_;

  double period_[3] = {0, 0, 0};    // timeout, rtimeout, wtimeout
  double activity_[3] = {0, 0, 0};  // last activity of each kind (loop time)
  std::optional<std::size_t> rbuf_max_;
  std::optional<std::size_t> wbuf_max_;
  bool autocork_ = false;
  bool no_delay_ = false;
  bool keepalive_ = false;
  bool oobinline_ = true;
  std::size_t read_size_ = 2048;
  std::size_t max_read_size_ = 131072;
  std::size_t low_water_mark_ = 0;
  std::size_t high_water_mark_ = 0;
  bool backlogged_ = false;  // wbuf() passed high_water_mark_: reading waits for low_water_mark_
  double linger_ = 3600;
  double close_timeout_ = 30;
  double close_started_ = 0;  // loop time our filter close went out
  std::string peername_;

  std::unique_ptr<StreamFilter> filter_;
  std::unique_ptr<StreamFilter> pending_filter_;  // starttls() before the fd was there
  FilterFactory tls_factory_;

  // Connecting.
  std::string host_;
  std::string service_;
  Guard connect_guard_;
  Function<void()> connector_retry_;
  std::uint64_t connection_ = 0;       // counts connections, so a stale retry does nothing
  std::shared_ptr<HandleImpl*> self_;  // what retry functions check for liveness

  mutable SocketAddress peer_;
  mutable bool peer_known_ = false;
};

}  // namespace ae::handle_internal
