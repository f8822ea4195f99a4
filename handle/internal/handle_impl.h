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
//
// Three parts live in files of their own and are tested alone: the timeouts (Timeouts), the
// filter between the buffers and the fd (FilterPipe) and the connect with its retry (Connecting).
// What is left here is the Handle's phase, its queues and buffers, and the calls into user code.
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
#include "handle/internal/connecting.h"
#include "handle/internal/filter_pipe.h"
#include "handle/internal/timeouts.h"

namespace ae::handle_internal {

// A user callback (the field of the Handle's options that holds it) and a generation number
// bumped on every assignment.
template <class Sig>
struct Slot {
  Function<Sig>& fn;
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
  bool destroyed() const noexcept { return phase_ == Phase::kDestroyed; }
  void destroy();
  Buffer& rbuf() noexcept { return rbuf_; }
  const Buffer& wbuf() const noexcept { return wbuf_; }
  std::uint64_t rbuf_start() const noexcept { return appended_ - rbuf_.size(); }
  const std::string& peername() const noexcept { return options_.peername; }
  // The options as given and as changed since by the setters, except the four timeouts, which
  // timeouts_ holds. Fields without a setter of their own here are set directly.
  Handle::Options& options() noexcept { return options_; }
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

  void set_timeout(Timeouts::Kind kind, double seconds);
  void timeout_reset(Timeouts::Kind kind) noexcept;

  // no_delay, keepalive, oobinline: sets the option field and, when there is a socket, the
  // socket option `name` at `level`.
  void socket_option(bool Handle::Options::*field, int level, int name, bool on) noexcept;
  void high_water_mark(std::size_t n);
  void close_timeout(double seconds);

  void push_read(Reader r, bool front);
  void stop_read() noexcept;
  void start_read();

  void push_write(std::string_view bytes);
  void push_shutdown();

  void starttls(std::unique_ptr<StreamFilter> filter);
  void stoptls();
  void resettls() noexcept;
  StreamFilter* filter() const noexcept { return pipe_.filter(); }

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
  // Turns what a step through the filter found into the Handle's state and events.
  void after_filter(FilterPipe::Step step);
  void start_io();  // AnyEvent's _start: the fd is there and connected
  void stop_io() noexcept;
  void rearm_timer();
  // What give_back_capacity() leaves a buffer however empty it is.
  std::size_t kept_capacity() const noexcept;
  void filter_close_started();
  // Our filter close went out and the peer's has not come: close_timeout counts.
  bool awaiting_close() const noexcept { return pipe_.closing(); }
  void retry();
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

  // Where the Handle is in its life. It moves down this list, except that a retry goes from
  // kOpen back to kConnecting.
  enum class Phase {
    kConnectQueued,  // made with host and service: the connect starts from the loop
    kConnecting,     // the connector is at work; fd_ is -1 (or lent: fd_lent_)
    kOpen,           // fd_ is there (adopted or connected) and no fatal error happened
    kFailing,        // a fatal error is on its way to on_error; I/O has stopped
    kDestroyed,      // destroy() ran: everything is a no-op
  };
  // Reading, writing and timeouts run only while kOpen.
  bool open() const noexcept { return phase_ == Phase::kOpen; }
  bool connecting() const noexcept {
    return phase_ == Phase::kConnectQueued || phase_ == Phase::kConnecting;
  }
  bool failing() const noexcept { return phase_ == Phase::kFailing; }
  // Failing or destroyed: nothing new starts.
  bool stopped() const noexcept { return phase_ >= Phase::kFailing; }

  Handle* owner_;
  Loop* loop_;
  Handle::Options options_;
  Phase phase_ = Phase::kOpen;  // adopt_fd and begin_connect set it
  int fd_ = -1;
  bool is_socket_ = false;
  bool fd_lent_ = false;  // fd_ is a connect attempt's socket, lent to on_prepare: not ours
  int depth_ = 0;
  bool orphaned_ = false;
  bool eof_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool draining_ = false;
  bool need_drain_ = false;
  bool drain_pending_ = false;
  bool shutdown_pending_ = false;
  bool shutdown_done_ = false;

  Buffer rbuf_;
  Buffer wbuf_;
  Buffer filter_in_;
  Buffer plain_pending_;        // written before the connection's filter was there
  std::uint64_t appended_ = 0;  // bytes ever appended to rbuf_
  std::deque<Reader> queue_;
  std::deque<Event> events_;

  Io rw_;
  Io ww_;
  Timeouts timeouts_{*loop_, [this] { on_timer(); }};
  Timer soon_;

  Slot<void(Handle&, bool, std::error_code, std::string_view)> on_error_{options_.on_error};
  Slot<void(Handle&)> on_read_{options_.on_read};
  Slot<void(Handle&)> on_eof_{options_.on_eof};
  Slot<void(Handle&)> on_drain_{options_.on_drain};
  Slot<void(Handle&)> on_timeout_{options_.on_timeout};
  Slot<void(Handle&)> on_rtimeout_{options_.on_rtimeout};
  Slot<void(Handle&)> on_wtimeout_{options_.on_wtimeout};
  Slot<void(Handle&, bool, std::error_code, std::string_view)> on_starttls_{options_.on_starttls};
  Slot<void(Handle&)> on_stoptls_{options_.on_stoptls};
  Slot<Seconds(Handle&)> on_prepare_{options_.on_prepare};
  Slot<void(Handle&, const SocketAddress&, Function<void()>)> on_connect_{options_.on_connect};
  Slot<void(Handle&, std::error_code, std::string_view)> on_connect_error_{
      options_.on_connect_error};

  bool backlogged_ = false;  // wbuf() passed high_water_mark: reading waits for low_water_mark

  FilterPipe pipe_{rbuf_, wbuf_};
  std::unique_ptr<StreamFilter> pending_filter_;  // starttls() before the fd was there

  std::optional<Connecting> connect_;  // made with host and service

  mutable SocketAddress peer_;
  mutable bool peer_known_ = false;
};

}  // namespace ae::handle_internal
