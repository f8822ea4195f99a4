#include "handle/internal/handle_impl.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/log_hook.h"
#include "handle/internal/linger.h"

namespace ae::handle_internal {
namespace {

std::error_code errno_code(int e) { return {e, std::generic_category()}; }

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

// A timer may fire a hair before the deadline it was computed from; treat that as due.
constexpr double kTimerSlack = 1e-4;

const char* const kTimeoutNames[] = {"timeout", "rtimeout", "wtimeout"};

// A buffer keeps the capacity a burst made it grow to only while that capacity is in use: once
// at most a quarter of it holds live bytes, and it is larger than `keep`, it shrinks to its live
// bytes. Otherwise one 50 MiB line would leave an idle connection holding 100 MiB for its life.
// Each shrink copies at most a quarter of the capacity, bytes that had to be appended to make it
// grow that far, so streaming stays linear in the bytes that pass.
void give_back_capacity(Buffer& b, std::size_t keep) {
  if (b.capacity() > keep && b.size() <= b.capacity() / 4) b.shrink_to_fit();
}

// The capacity a buffer keeps however little it holds: a few of the largest reads, so that a
// busy connection does not free and allocate its buffers on every read.
constexpr std::size_t kMinKeptCapacity = 256 * 1024;

void check_timeout(double seconds) {
  if (!(seconds >= 0)) {
    throw std::invalid_argument("ae::Handle: a timeout must be zero or positive seconds");
  }
}

}  // namespace

// ---- construction and lifetime
// -------------------------------------------------------------------

HandleImpl::HandleImpl(Handle* owner, Handle::Options o) : owner_(owner), loop_(&Loop::current()) {
  check_timeout(o.timeout);
  check_timeout(o.rtimeout);
  check_timeout(o.wtimeout);
  check_timeout(o.close_timeout);
  on_prepare_.set(std::move(o.on_prepare));
  on_connect_.set(std::move(o.on_connect));
  on_connect_error_.set(std::move(o.on_connect_error));
  on_error_.set(std::move(o.on_error));
  on_read_.set(std::move(o.on_read));
  on_eof_.set(std::move(o.on_eof));
  on_drain_.set(std::move(o.on_drain));
  period_[kAnyTimeout] = o.timeout;
  period_[kReadTimeout] = o.rtimeout;
  period_[kWriteTimeout] = o.wtimeout;
  on_timeout_.set(std::move(o.on_timeout));
  on_rtimeout_.set(std::move(o.on_rtimeout));
  on_wtimeout_.set(std::move(o.on_wtimeout));
  rbuf_max_ = o.rbuf_max;
  wbuf_max_ = o.wbuf_max;
  autocork_ = o.autocork;
  no_delay_ = o.no_delay;
  keepalive_ = o.keepalive;
  oobinline_ = o.oobinline;
  read_size_ = std::max<std::size_t>(o.read_size, 1);
  max_read_size_ = std::max(o.max_read_size, read_size_);
  low_water_mark_ = o.low_water_mark;
  high_water_mark_ = o.high_water_mark;
  linger_ = o.linger;
  close_timeout_ = o.close_timeout;
  peername_ = std::move(o.peername);
  tls_factory_ = std::move(o.tls);
  on_starttls_.set(std::move(o.on_starttls));
  on_stoptls_.set(std::move(o.on_stoptls));
}

HandleImpl::~HandleImpl() = default;

void HandleImpl::adopt_fd(int fd, bool is_socket) {
  fd_ = fd;
  is_socket_ = is_socket;
  start_io();
}

void HandleImpl::begin_connect(std::string_view host, std::string_view service) {
  host_ = host;
  service_ = service;
  if (peername_.empty()) peername_ = host_;
  connecting_ = true;
  connect_pending_ = true;
  schedule();
}

void HandleImpl::release() {
  ++depth_;  // as a Frame: the outermost exit frees
  destroy();
  owner_ = nullptr;
  orphaned_ = true;
  leave();
}

void HandleImpl::leave() {
  if (--depth_ > 0) return;
  if (orphaned_) {
    delete this;
    return;
  }
  schedule();
}

template <class R, class... P, class... A>
R HandleImpl::call(Slot<R(Handle&, P...)>& slot, A&&... args) {
  // Borrowed out of the slot while it runs; put back unless the slot was assigned meanwhile.
  struct Borrow {
    HandleImpl& h;
    Slot<R(Handle&, P...)>& slot;
    Function<R(Handle&, P...)> fn;
    std::uint32_t generation;
    ~Borrow() {
      slot.running = false;
      if (slot.generation == generation && !h.destroyed_) slot.fn = std::move(fn);
    }
  } borrow{*this, slot, std::move(slot.fn), slot.generation};
  slot.running = true;
  return borrow.fn(*owner_, std::forward<A>(args)...);
}

void HandleImpl::destroy() {
  if (destroyed_) return;
  Frame frame(*this);
  destroyed_ = true;
  connect_guard_.reset();
  rw_.reset();
  ww_.reset();
  timer_.reset();
  soon_.reset();
  reading_ = writing_ = false;
  filter_.reset();
  pending_filter_.reset();
  events_.clear();
  connector_retry_ = nullptr;
  if (fd_ >= 0 && !preparing_) {
    if (linger_ > 0 && !wbuf_.empty()) {
      handle_internal::linger(*loop_, fd_, std::move(wbuf_), linger_, is_socket_);
    } else {
      ::close(fd_);
    }
  }
  fd_ = -1;
  rbuf_ = Buffer();
  wbuf_ = Buffer();
  filter_in_ = Buffer();
  plain_pending_ = Buffer();
  // User closures go last: their destructors may run user code that touches this Handle.
  std::deque<Reader> queue = std::move(queue_);
  queue_.clear();
  on_error_.set(nullptr);
  on_read_.set(nullptr);
  on_eof_.set(nullptr);
  on_drain_.set(nullptr);
  on_timeout_.set(nullptr);
  on_rtimeout_.set(nullptr);
  on_wtimeout_.set(nullptr);
  on_starttls_.set(nullptr);
  on_stoptls_.set(nullptr);
  on_prepare_.set(nullptr);
  on_connect_.set(nullptr);
  on_connect_error_.set(nullptr);
  tls_factory_ = nullptr;
}

// ---- deferred work
// -------------------------------------------------------------------------------

bool HandleImpl::has_pending() const noexcept {
  return !events_.empty() || (need_drain_ && !connecting_) || drain_pending_ || connect_pending_;
}

void HandleImpl::schedule() {
  if (depth_ > 0 || destroyed_ || !has_pending()) return;
  if (soon_) {
    soon_.set(Seconds(0));
  } else {
    soon_ = loop_->timer(Seconds(0), [this] { on_soon(); });
  }
}

void HandleImpl::on_soon() {
  Frame frame(*this);
  if (destroyed_) return;
  if (connect_pending_) {
    connect_pending_ = false;
    connect_guard_ = default_connector().connect(
        host_, service_,
        [this](std::error_code ec, Connection c) { on_connected(ec, std::move(c)); },
        [this](int fd) { return on_prepare_fd(fd); });
  }
  run_pending();
}

void HandleImpl::run_pending() {
  while (!destroyed_) {
    if (!events_.empty()) {
      std::size_t before = events_.size();
      deliver_events();
      if (events_.size() >= before) break;  // the callback they need is running further up
      continue;
    }
    if (need_drain_ && !connecting_ && !draining_) {
      need_drain_ = false;
      drain_rbuf();
      continue;
    }
    if (drain_pending_ && !on_drain_.running) {
      drain_pending_ = false;
      if (on_drain_ && !failing_ && drain_condition()) call(on_drain_);
      continue;
    }
    break;
  }
}

void HandleImpl::deliver_events() {
  while (!events_.empty() && !destroyed_) {
    Event& next = events_.front();
    bool busy = (next.kind == Event::Kind::kError && on_error_.running) ||
                (next.kind == Event::Kind::kStartTls && on_starttls_.running) ||
                (next.kind == Event::Kind::kStopTls && on_stoptls_.running);
    if (busy) return;  // delivered once that callback has returned
    Event e = std::move(next);
    events_.pop_front();
    switch (e.kind) {
      case Event::Kind::kError:
        if (on_error_) {
          call(on_error_, e.flag, e.ec, std::string_view(e.message));
          if (e.flag) destroy();
        } else {
          core_log(LogLevel::kError, "ae::handle",
                   "ae::Handle uncaught error: " + e.message + " (set on_error)");
          destroy();
        }
        break;
      case Event::Kind::kStartTls:
        if (on_starttls_) call(on_starttls_, e.flag, e.ec, std::string_view(e.message));
        break;
      case Event::Kind::kStopTls:
        if (on_stoptls_) call(on_stoptls_);
        break;
    }
  }
}

void HandleImpl::raise(std::error_code ec, std::string message, bool fatal) {
  if (destroyed_ || failing_) return;
  if (fatal) {
    failing_ = true;
    stop_io();
  }
  events_.push_back({Event::Kind::kError, fatal, ec, std::move(message)});
  schedule();
}

// ---- reading
// -------------------------------------------------------------------------------------

void HandleImpl::on_read(Handle::Callback cb) {
  bool set = static_cast<bool>(cb);
  on_read_.set(std::move(cb));
  if (!set || destroyed_ || draining_ || connecting_) return;
  if (!rbuf_.empty() || eof_) {
    need_drain_ = true;
    schedule();
  } else {
    start_read();
  }
}

void HandleImpl::push_read(Reader r, bool front) {
  if (destroyed_) return;
  if (front) {
    queue_.push_front(std::move(r));
  } else {
    queue_.push_back(std::move(r));
  }
  if (draining_ || connecting_) return;  // the running drain, or the connect, picks it up
  // The reader runs soon even when rbuf() is empty: it may be done without any data (chunk(0),
  // a reader that only pushes others). If it is not, the drain starts reading.
  need_drain_ = true;
  schedule();
}

void HandleImpl::start_read() {
  if (reading_ || eof_ || fd_ < 0 || connecting_ || destroyed_ || failing_ || backlogged_) return;
  if (rw_) {
    rw_.start();
  } else {
    rw_ = loop_->io(fd_, kRead, [this] { on_readable(); });
  }
  reading_ = true;
}

void HandleImpl::stop_read() noexcept {
  if (reading_) {
    rw_.stop();
    reading_ = false;
  }
}

void HandleImpl::on_readable() {
  Frame frame(*this);
  if (destroyed_ || failing_ || fd_ < 0) return;
  const std::size_t want = read_size_;
  Buffer& into = filter_ ? filter_in_ : rbuf_;
  std::span<char> space = into.prepare(want);
  ssize_t n = ::read(fd_, space.data(), want);
  if (n > 0) {
    into.commit(static_cast<std::size_t>(n));
    activity_[kAnyTimeout] = activity_[kReadTimeout] = loop_->now();
    if (static_cast<std::size_t>(n) == want && read_size_ < max_read_size_) {
      read_size_ = std::min(read_size_ * 2, max_read_size_);
    }
    if (filter_) {
      filter_->receive(filter_in_.view());
      filter_in_.clear();
      pump_filter();
    } else {
      appended_ += static_cast<std::size_t>(n);
      need_drain_ = true;
    }
  } else if (n == 0) {
    eof_ = true;
    stop_read();
    if (filter_) {
      filter_->receive_eof();
      pump_filter();
    }
    need_drain_ = true;
  } else if (!would_block(errno)) {
    int e = errno;
    raise(errno_code(e), errno_code(e).message(), true);
  }
  run_pending();
}

void HandleImpl::drain_rbuf() {
  if (draining_ || connecting_ || destroyed_ || failing_) return;
  Frame frame(*this);
  draining_ = true;
  for (;;) {
    if (destroyed_ || failing_ || connecting_) break;
    if (!queue_.empty()) {
      const std::size_t size = rbuf_.size();
      const std::uint64_t start = rbuf_start();
      Reader reader = std::move(queue_.front());
      queue_.pop_front();
      const bool done = reader(*owner_);
      if (destroyed_) break;
      if (!done && !connecting_) queue_.push_front(std::move(reader));
      deliver_events();
      if (done) continue;
      // Unlike AnyEvent, a reader that consumed bytes without finishing (skipping garbage, say)
      // is run again at once: the rest of the buffer may already hold what it waits for.
      if (rbuf_.size() != size || rbuf_start() != start) continue;
      if (eof_ && !destroyed_) {
        raise(std::make_error_code(std::errc::broken_pipe),
              "end-of-file with " + std::to_string(queue_.size()) + " read request(s) queued",
              true);
      }
      break;
    }
    if (on_read_) {
      if (rbuf_.empty()) break;
      const std::size_t size = rbuf_.size();
      const std::uint64_t start = rbuf_start();
      call(on_read_);
      if (destroyed_) break;
      deliver_events();
      if (rbuf_.size() == size && rbuf_start() == start && queue_.empty() && on_read_) {
        if (eof_ && !destroyed_) {
          raise(std::make_error_code(std::errc::broken_pipe),
                "end-of-file with data on_read did not consume", true);
        }
        break;
      }
      continue;
    }
    // Nothing wants data: stop reading until something does.
    if (!wants_data()) stop_read();
    break;
  }
  draining_ = false;
  if (destroyed_) return;
  give_back_capacity(rbuf_, kept_capacity());
  deliver_events();
  if (destroyed_ || failing_ || connecting_) return;
  if (eof_) {
    if (on_eof_) {
      call(on_eof_);
    } else {
      raise(std::error_code(), "Unexpected end-of-file", true);
    }
    deliver_events();
    return;
  }
  if (rbuf_max_ && rbuf_.size() > *rbuf_max_) {
    raise(std::make_error_code(std::errc::no_space_on_device),
          "read buffer overflow: " + std::to_string(rbuf_.size()) + " bytes buffered, rbuf_max " +
              std::to_string(*rbuf_max_),
          true);
    deliver_events();
    return;
  }
  if (wants_data()) start_read();
}

bool HandleImpl::wants_data() const noexcept {
  if (on_read_ || !queue_.empty()) return true;
  // A filter reads on its own account (a handshake, the peer's close), but only while the data
  // it decoded is taken: else a peer could fill rbuf() without limit while nobody reads.
  return filter_ && (rbuf_.empty() || filter_closing_);
}

// ---- writing
// -------------------------------------------------------------------------------------

std::size_t HandleImpl::queued() const noexcept {
  std::size_t queued = wbuf_.size() + plain_pending_.size();
  if (filter_) queued += filter_->pending_send();
  return queued;
}

bool HandleImpl::drain_condition() const noexcept { return queued() <= low_water_mark_; }

bool HandleImpl::check_wbuf_max() {
  if (!wbuf_max_ || queued() <= *wbuf_max_) return true;
  raise(std::make_error_code(std::errc::no_space_on_device),
        "write buffer overflow: " + std::to_string(queued()) + " bytes queued, wbuf_max " +
            std::to_string(*wbuf_max_),
        true);
  return false;
}

void HandleImpl::check_back_pressure() {
  // Only wbuf() counts: bytes a filter holds back until its handshake is done wait for the
  // peer's answer, which stopping to read would never let in.
  if (!backlogged_) {
    if (high_water_mark_ == 0 || wbuf_.size() <= high_water_mark_) return;
    backlogged_ = true;
    stop_read();
  } else if (wbuf_.size() <= low_water_mark_ || high_water_mark_ == 0) {
    backlogged_ = false;
    if (wants_data()) start_read();
  }
}

void HandleImpl::high_water_mark(std::size_t n) {
  high_water_mark_ = n;
  if (!destroyed_ && !failing_) check_back_pressure();
}

void HandleImpl::on_drain(Handle::Callback cb) {
  bool set = static_cast<bool>(cb);
  on_drain_.set(std::move(cb));
  if (set && !destroyed_ && drain_condition()) {
    drain_pending_ = true;
    schedule();
  }
}

void HandleImpl::push_write(std::string_view bytes) {
  if (destroyed_ || failing_) return;
  if (filter_) {
    filter_->send(bytes);
    pump_filter();
  } else if (fd_ < 0 && (tls_factory_ || pending_filter_)) {
    plain_pending_.append(bytes);  // encoded once the connection and its filter are there
  } else {
    wbuf_.append(bytes);
    flush(false);
  }
  // Also what waits for the connection or inside the filter (TLS data written during the
  // handshake): a peer that never completes either must not make us buffer without limit.
  if (!failing_ && check_wbuf_max()) check_back_pressure();
  schedule();
}

void HandleImpl::push_shutdown() {
  if (destroyed_) return;
  on_drain_.set(nullptr);
  low_water_mark_ = 0;
  shutdown_pending_ = true;
  if (filter_) {
    pump_filter();
  } else {
    flush(false);
  }
  schedule();
}

void HandleImpl::on_writable() {
  Frame frame(*this);
  if (destroyed_) return;
  flush(true);
  run_pending();
}

void HandleImpl::flush(bool writable) {
  if (fd_ < 0 || connecting_ || destroyed_ || failing_) return;
  if (!wbuf_.empty() && (writable || (!writing_ && !autocork_))) {
    ssize_t n = is_socket_ ? ::send(fd_, wbuf_.data(), wbuf_.size(), MSG_NOSIGNAL)
                           : ::write(fd_, wbuf_.data(), wbuf_.size());
    if (n > 0) {
      wbuf_.consume(static_cast<std::size_t>(n));
      give_back_capacity(wbuf_, kept_capacity());
      activity_[kAnyTimeout] = activity_[kWriteTimeout] = loop_->now();
      if ((on_drain_ || on_drain_.running) && drain_condition()) drain_pending_ = true;
    } else if (n < 0 && !would_block(errno)) {
      int e = errno;
      raise(errno_code(e), errno_code(e).message(), true);
      return;
    }
  }
  if (!wbuf_.empty()) {
    if (!writing_) {
      if (ww_) {
        ww_.start();
      } else {
        ww_ = loop_->io(fd_, kWrite, [this] { on_writable(); });
      }
      writing_ = true;
    }
  } else if (writing_) {
    ww_.stop();
    writing_ = false;
  }
  if (!check_wbuf_max()) return;
  check_back_pressure();
  if (wbuf_.empty() && shutdown_pending_ && !shutdown_done_ &&
      (!filter_ || (filter_closing_ && filter_->shutdown_sent()))) {
    shutdown_done_ = true;
    ::shutdown(fd_, SHUT_WR);  // fails harmlessly on pipes, as in AnyEvent
  }
}

// ---- filters
// -------------------------------------------------------------------------------------

void HandleImpl::starttls(std::unique_ptr<StreamFilter> filter) {
  if (!filter) throw std::invalid_argument("ae::Handle::starttls: null filter");
  if (destroyed_) return;
  if (filter_ || pending_filter_) {
    throw std::logic_error("ae::Handle::starttls: a filter is already active");
  }
  if (fd_ < 0 || connecting_) {
    pending_filter_ = std::move(filter);
    return;
  }
  install_filter(std::move(filter));
  schedule();
}

void HandleImpl::install_filter(std::unique_ptr<StreamFilter> filter) {
  filter_ = std::move(filter);
  filter_closing_ = false;
  filter_reported_ = false;
  filter_->start();
  if (!rbuf_.empty()) {
    filter_->receive(rbuf_.view());
    rbuf_.clear();
  }
  if (eof_) filter_->receive_eof();
  if (!plain_pending_.empty()) {
    filter_->send(plain_pending_.view());
    plain_pending_ = Buffer();
  }
  pump_filter();
  if (filter_) start_read();
}

void HandleImpl::stoptls() {
  if (destroyed_ || !filter_ || fd_ < 0 || filter_closing_) return;
  filter_closing_ = true;
  filter_->shutdown();
  filter_close_started();
  pump_filter();
  schedule();
}

void HandleImpl::resettls() noexcept {
  filter_.reset();
  pending_filter_.reset();
  filter_closing_ = false;
  filter_reported_ = false;
}

void HandleImpl::pump_filter() {
  if (!filter_ || destroyed_) return;
  if (std::size_t got = filter_->read(rbuf_); got != 0) {
    appended_ += got;
    need_drain_ = true;
  }
  filter_->take_output(wbuf_);
  if (shutdown_pending_ && !filter_closing_ && filter_->pending_send() == 0) {
    filter_closing_ = true;
    filter_->shutdown();
    filter_->take_output(wbuf_);
    filter_close_started();
  }
  if (!filter_reported_ && filter_->established()) {
    filter_reported_ = true;
    events_.push_back({Event::Kind::kStartTls, true, {}, "TLS/SSL connection established"});
  }
  if (filter_->error()) {
    filter_failed();
    return;
  }
  if (filter_->peer_closed()) {
    std::string rest = filter_->take_unfiltered();
    filter_->take_output(wbuf_);
    filter_.reset();
    filter_closing_ = false;
    if (!rest.empty()) {
      rbuf_.append(rest);
      appended_ += rest.size();
    }
    if (!filter_reported_) {
      filter_reported_ = true;
      if (on_starttls_) {
        events_.push_back({Event::Kind::kStartTls, false,
                           std::make_error_code(std::errc::protocol_error),
                           "EOF during handshake"});
      }
    }
    if (on_stoptls_) {
      events_.push_back({Event::Kind::kStopTls, false, {}, {}});
    } else {
      eof_ = true;  // as AnyEvent: the filtered stream's end counts as end-of-file
      stop_read();
    }
    need_drain_ = true;
  }
  flush(false);
}

void HandleImpl::filter_failed() {
  std::error_code ec = filter_->error();
  std::string message = filter_->error_message();
  if (message.empty()) message = ec.message();
  filter_->take_output(wbuf_);  // e.g. the alert telling the peer why
  filter_.reset();
  if (on_starttls_ && !filter_reported_) {
    filter_reported_ = true;
    events_.push_back({Event::Kind::kStartTls, false, ec, std::move(message)});
    flush(false);
    return;
  }
  flush(false);
  // AnyEvent reports EPROTO for every TLS failure except a system call's own errno. A filter
  // code that already means EPROTO (its category maps it there, as ae::tls::Error does) is kept,
  // so the handler can still tell an expired certificate from a name mismatch.
  bool system = ec.category() == std::generic_category() || ec.category() == std::system_category();
  bool eproto = ec == std::errc::protocol_error;
  raise(system || eproto ? ec : std::make_error_code(std::errc::protocol_error), std::move(message),
        true);
}

// ---- connecting
// ----------------------------------------------------------------------------------

Seconds HandleImpl::on_prepare_fd(int fd) {
  Frame frame(*this);
  if (destroyed_ || !on_prepare_) return Seconds(0);
  preparing_ = true;
  fd_ = fd;
  is_socket_ = true;
  Seconds timeout = call(on_prepare_);
  preparing_ = false;
  fd_ = -1;
  return destroyed_ ? Seconds(0) : timeout;
}

void HandleImpl::on_connected(std::error_code ec, Connection c) {
  Frame frame(*this);
  if (destroyed_) {
    if (c.fd >= 0) ::close(c.fd);
    return;
  }
  connecting_ = false;
  if (ec) {
    // host:port as format_hostport writes it ("[::1]:80", "unix/:/path").
    std::string target = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
    std::string message = target + ":" + service_ + ": " + ec.message();
    if (on_connect_error_) {
      call(on_connect_error_, ec, std::string_view(message));
      destroy();
    } else {
      raise(ec, std::move(message), true);
      run_pending();
    }
    return;
  }
  fd_ = c.fd;
  is_socket_ = true;
  peer_ = c.peer;
  peer_known_ = !peer_.empty();
  connector_retry_ = std::move(c.retry);
  ++connection_;
  start_io();
  if (destroyed_) return;
  if (on_connect_) {
    SocketAddress peer = peer_;
    call(on_connect_, peer, make_retry());
  }
  run_pending();
}

Function<void()> HandleImpl::make_retry() {
  if (!self_) self_ = std::make_shared<HandleImpl*>(this);
  return [weak = std::weak_ptr<HandleImpl*>(self_), connection = connection_] {
    if (auto self = weak.lock()) (*self)->retry(connection);
  };
}

void HandleImpl::retry(std::uint64_t connection) {
  if (destroyed_ || connecting_ || failing_ || connection != connection_ || !connector_retry_) {
    return;
  }
  Frame frame(*this);
  stop_io();
  rw_.reset();
  ww_.reset();
  close_fd();
  eof_ = false;
  queue_.clear();
  rbuf_.clear();
  wbuf_.clear();
  plain_pending_.clear();
  resettls();
  shutdown_done_ = false;
  backlogged_ = false;
  need_drain_ = false;
  drain_pending_ = false;
  peer_ = SocketAddress();
  peer_known_ = false;
  connecting_ = true;
  Function<void()> next = std::move(connector_retry_);
  connector_retry_ = nullptr;
  next();
}

void HandleImpl::start_io() {
  Frame frame(*this);
  const double now = fresh_now();
  activity_[kAnyTimeout] = activity_[kReadTimeout] = activity_[kWriteTimeout] = now;
  if (is_socket_) {
    if (no_delay_) apply_sockopt(IPPROTO_TCP, TCP_NODELAY, true);
    if (keepalive_) apply_sockopt(SOL_SOCKET, SO_KEEPALIVE, true);
    apply_sockopt(SOL_SOCKET, SO_OOBINLINE, oobinline_);
  }
  rearm_timer();
  if (tls_factory_) {
    std::unique_ptr<StreamFilter> filter = tls_factory_(*owner_);
    if (destroyed_) return;
    if (!filter) {
      raise(std::make_error_code(std::errc::protocol_error),
            "TLS support not available: the tls factory made no filter", true);
      return;
    }
    pending_filter_.reset();
    install_filter(std::move(filter));
  } else if (pending_filter_) {
    install_filter(std::move(pending_filter_));
  }
  if (on_read_ || !queue_.empty()) start_read();
  flush(false);
}

void HandleImpl::stop_io() noexcept {
  stop_read();
  if (writing_) {
    ww_.stop();
    writing_ = false;
  }
  if (timer_) timer_.stop();
}

void HandleImpl::close_fd() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// ---- timeouts
// ------------------------------------------------------------------------------------

std::size_t HandleImpl::kept_capacity() const noexcept {
  return std::max(kMinKeptCapacity, 2 * max_read_size_);
}

double HandleImpl::fresh_now() noexcept {
  loop_->now_update();
  return loop_->now();
}

void HandleImpl::set_timeout(TimeoutKind kind, double seconds) {
  check_timeout(seconds);
  period_[kind] = seconds;
  if (!destroyed_) rearm_timer();
}

void HandleImpl::timeout_reset(TimeoutKind kind) noexcept { activity_[kind] = fresh_now(); }

void HandleImpl::close_timeout(double seconds) {
  check_timeout(seconds);
  close_timeout_ = seconds;
  if (!destroyed_) rearm_timer();
}

void HandleImpl::filter_close_started() {
  close_started_ = fresh_now();
  rearm_timer();
}

double HandleImpl::close_deadline() const noexcept {
  if (!filter_ || !filter_closing_ || close_timeout_ <= 0) {
    return std::numeric_limits<double>::infinity();
  }
  return std::max(close_started_, activity_[kReadTimeout]) + close_timeout_;
}

void HandleImpl::rearm_timer() {
  if (destroyed_ || failing_ || fd_ < 0 || connecting_) {
    if (timer_) timer_.stop();
    return;
  }
  double next = close_deadline();
  for (int k = 0; k < 3; ++k) {
    if (period_[k] > 0) next = std::min(next, activity_[k] + period_[k]);
  }
  if (std::isinf(next)) {
    if (timer_) timer_.stop();
    return;
  }
  Seconds after(std::max(0.0, next - loop_->now()));
  if (timer_) {
    timer_.set(after);
  } else {
    timer_ = loop_->timer(after, [this] { on_timer(); });
  }
}

void HandleImpl::on_timer() {
  Frame frame(*this);
  if (destroyed_ || failing_) return;
  Slot<void(Handle&)>* slots[] = {&on_timeout_, &on_rtimeout_, &on_wtimeout_};
  for (int k = 0; k < 3; ++k) {
    const double now = loop_->now();
    if (period_[k] <= 0 || activity_[k] + period_[k] > now + kTimerSlack) continue;
    activity_[k] = now;
    if (*slots[k]) {
      call(*slots[k]);
    } else {
      raise(std::make_error_code(std::errc::timed_out),
            std::string(kTimeoutNames[k]) + " of " + std::to_string(period_[k]) +
                " s: " + std::make_error_code(std::errc::timed_out).message(),
            false);
    }
    deliver_events();
    if (destroyed_ || failing_) return;
  }
  if (close_deadline() <= loop_->now() + kTimerSlack) {
    raise(std::make_error_code(std::errc::timed_out),
          std::string(filter_->name()) + ": the peer did not answer our close within " +
              std::to_string(close_timeout_) +
              " s: " + std::make_error_code(std::errc::timed_out).message(),
          true);
    deliver_events();
    return;
  }
  rearm_timer();
  run_pending();
}

// ---- socket options
// ------------------------------------------------------------------------------

void HandleImpl::apply_sockopt(int level, int name, bool on) noexcept {
  int value = on ? 1 : 0;
  (void)::setsockopt(fd_, level, name, &value, sizeof value);  // errors ignored, as AnyEvent does
}

void HandleImpl::no_delay(bool on) noexcept {
  no_delay_ = on;
  if (fd_ >= 0 && is_socket_) apply_sockopt(IPPROTO_TCP, TCP_NODELAY, on);
}

void HandleImpl::keepalive(bool on) noexcept {
  keepalive_ = on;
  if (fd_ >= 0 && is_socket_) apply_sockopt(SOL_SOCKET, SO_KEEPALIVE, on);
}

void HandleImpl::oobinline(bool on) noexcept {
  oobinline_ = on;
  if (fd_ >= 0 && is_socket_) apply_sockopt(SOL_SOCKET, SO_OOBINLINE, on);
}

const SocketAddress& HandleImpl::peer() const noexcept {
  if (!peer_known_ && fd_ >= 0 && is_socket_) {
    socklen_t len = peer_.capacity();
    if (::getpeername(fd_, peer_.get(), &len) == 0) {
      peer_.set_size(len);
      peer_known_ = true;
    }
  }
  return peer_;
}

}  // namespace ae::handle_internal
