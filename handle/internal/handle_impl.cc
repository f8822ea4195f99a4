#include "handle/internal/handle_impl.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "core/log_hook.h"
#include "handle/internal/linger.h"

namespace ae::handle_internal {
namespace {

std::error_code errno_code(int e) { return {e, std::generic_category()}; }

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

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

}  // namespace

// ---- construction and lifetime ------------------------------------------------------------------

HandleImpl::HandleImpl(Handle* owner, Handle::Options options)
    : owner_(owner), loop_(&Loop::current()), options_(std::move(options)) {
  timeouts_.set_period(Timeouts::kAny, options_.timeout);
  timeouts_.set_period(Timeouts::kRead, options_.rtimeout);
  timeouts_.set_period(Timeouts::kWrite, options_.wtimeout);
  timeouts_.set_close_timeout(options_.close_timeout);
  options_.read_size = std::max<std::size_t>(options_.read_size, 1);
  options_.max_read_size = std::max(options_.max_read_size, options_.read_size);
}

HandleImpl::~HandleImpl() = default;

void HandleImpl::adopt_fd(int fd, bool is_socket) {
  fd_ = fd;
  is_socket_ = is_socket;
  phase_ = Phase::kOpen;
  start_io();
}

void HandleImpl::begin_connect(std::string_view host, std::string_view service) {
  connect_.emplace(host, service);
  if (options_.peername.empty()) options_.peername = host;
  phase_ = Phase::kConnectQueued;
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
      if (slot.generation == generation && !h.destroyed()) slot.fn = std::move(fn);
    }
  } borrow{*this, slot, std::move(slot.fn), slot.generation};
  slot.running = true;
  return borrow.fn(*owner_, std::forward<A>(args)...);
}

void HandleImpl::destroy() {
  if (destroyed()) return;
  Frame frame(*this);
  phase_ = Phase::kDestroyed;
  if (connect_) connect_->cancel();
  rw_.reset();
  ww_.reset();
  timeouts_.drop();
  soon_.reset();
  reading_ = writing_ = false;
  pipe_.reset();
  pending_filter_.reset();
  events_.clear();
  if (fd_ >= 0 && !fd_lent_) {
    if (options_.linger > 0 && !wbuf_.empty()) {
      handle_internal::linger(*loop_, UniqueFd(fd_), std::move(wbuf_), options_.linger, is_socket_);
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
  options_.tls = nullptr;
}

// ---- deferred work ------------------------------------------------------------------------------

bool HandleImpl::has_pending() const noexcept {
  return !events_.empty() || (need_drain_ && !connecting()) || drain_pending_ ||
         phase_ == Phase::kConnectQueued;
}

void HandleImpl::schedule() {
  if (depth_ > 0 || destroyed() || !has_pending()) return;
  if (soon_) {
    soon_.set(Seconds(0));
  } else {
    soon_ = loop_->timer(Seconds(0), [this] { on_soon(); });
  }
}

void HandleImpl::on_soon() {
  Frame frame(*this);
  if (destroyed()) return;
  if (phase_ == Phase::kConnectQueued) {
    phase_ = Phase::kConnecting;
    connect_->start([this](int fd) { return on_prepare_fd(fd); },
                    [this](std::error_code ec, Connection c) { on_connected(ec, std::move(c)); });
  }
  run_pending();
}

void HandleImpl::run_pending() {
  while (!destroyed()) {
    if (!events_.empty()) {
      std::size_t before = events_.size();
      deliver_events();
      if (events_.size() >= before) break;  // the callback they need is running further up
      continue;
    }
    if (need_drain_ && !connecting() && !draining_) {
      need_drain_ = false;
      drain_rbuf();
      continue;
    }
    if (drain_pending_ && !on_drain_.running) {
      drain_pending_ = false;
      if (on_drain_ && !stopped() && drain_condition()) call(on_drain_);
      continue;
    }
    break;
  }
}

void HandleImpl::deliver_events() {
  while (!events_.empty() && !destroyed()) {
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
  if (stopped()) return;
  if (fatal) {
    phase_ = Phase::kFailing;
    stop_io();
  }
  events_.push_back({Event::Kind::kError, fatal, ec, std::move(message)});
  schedule();
}

// ---- reading ------------------------------------------------------------------------------------

void HandleImpl::on_read(Handle::Callback cb) {
  bool set = static_cast<bool>(cb);
  on_read_.set(std::move(cb));
  if (!set || destroyed() || draining_ || connecting()) return;
  if (!rbuf_.empty() || eof_) {
    need_drain_ = true;
    schedule();
  } else {
    start_read();
  }
}

void HandleImpl::push_read(Reader r, bool front) {
  if (destroyed()) return;
  if (front) {
    queue_.push_front(std::move(r));
  } else {
    queue_.push_back(std::move(r));
  }
  if (draining_ || connecting()) return;  // the running drain, or the connect, picks it up
  // The reader runs soon even when rbuf() is empty: it may be done without any data (chunk(0),
  // a reader that only pushes others). If it is not, the drain starts reading.
  need_drain_ = true;
  schedule();
}

void HandleImpl::start_read() {
  if (reading_ || eof_ || !open() || backlogged_) return;
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
  if (!open()) return;
  std::size_t& read_size = options_.read_size;  // grows as reads fill it
  const std::size_t want = read_size;
  Buffer& into = pipe_.active() ? filter_in_ : rbuf_;
  std::span<char> space = into.prepare(want);
  ssize_t n = ::read(fd_, space.data(), want);
  if (n > 0) {
    into.commit(static_cast<std::size_t>(n));
    timeouts_.read();
    if (static_cast<std::size_t>(n) == want && read_size < options_.max_read_size) {
      read_size = std::min(read_size * 2, options_.max_read_size);
    }
    if (pipe_.active()) {
      FilterPipe::Step step = pipe_.inbound(filter_in_.view(), shutdown_pending_);
      filter_in_.clear();
      after_filter(std::move(step));
    } else {
      appended_ += static_cast<std::size_t>(n);
      need_drain_ = true;
    }
  } else if (n == 0) {
    eof_ = true;
    stop_read();
    if (pipe_.active()) after_filter(pipe_.inbound_eof(shutdown_pending_));
    need_drain_ = true;
  } else if (!would_block(errno)) {
    int e = errno;
    raise(errno_code(e), errno_code(e).message(), true);
  }
  run_pending();
}

void HandleImpl::drain_rbuf() {
  if (draining_ || !open()) return;
  Frame frame(*this);
  draining_ = true;
  for (;;) {
    if (!open()) break;
    if (!queue_.empty()) {
      const std::size_t size = rbuf_.size();
      const std::uint64_t start = rbuf_start();
      Reader reader = std::move(queue_.front());
      queue_.pop_front();
      const bool done = reader(*owner_);
      if (destroyed()) break;
      if (!done && !connecting()) queue_.push_front(std::move(reader));
      deliver_events();
      if (done) continue;
      // Unlike AnyEvent, a reader that consumed bytes without finishing (skipping garbage, say)
      // is run again at once: the rest of the buffer may already hold what it waits for.
      if (rbuf_.size() != size || rbuf_start() != start) continue;
      if (eof_) {
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
      if (destroyed()) break;
      deliver_events();
      if (rbuf_.size() == size && rbuf_start() == start && queue_.empty() && on_read_) {
        if (eof_) {
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
  if (destroyed()) return;
  give_back_capacity(rbuf_, kept_capacity());
  deliver_events();
  if (!open()) return;
  if (eof_) {
    if (on_eof_) {
      call(on_eof_);
    } else {
      raise(std::error_code(), "Unexpected end-of-file", true);
    }
    deliver_events();
    return;
  }
  if (options_.rbuf_max && rbuf_.size() > *options_.rbuf_max) {
    raise(std::make_error_code(std::errc::no_space_on_device),
          "read buffer overflow: " + std::to_string(rbuf_.size()) + " bytes buffered, rbuf_max " +
              std::to_string(*options_.rbuf_max),
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
  return pipe_.active() && (rbuf_.empty() || pipe_.closing());
}

// ---- writing ------------------------------------------------------------------------------------

std::size_t HandleImpl::queued() const noexcept {
  return wbuf_.size() + plain_pending_.size() + pipe_.pending_send();
}

bool HandleImpl::drain_condition() const noexcept { return queued() <= options_.low_water_mark; }

bool HandleImpl::check_wbuf_max() {
  if (!options_.wbuf_max || queued() <= *options_.wbuf_max) return true;
  raise(std::make_error_code(std::errc::no_space_on_device),
        "write buffer overflow: " + std::to_string(queued()) + " bytes queued, wbuf_max " +
            std::to_string(*options_.wbuf_max),
        true);
  return false;
}

void HandleImpl::check_back_pressure() {
  // Only wbuf() counts: bytes a filter holds back until its handshake is done wait for the
  // peer's answer, which stopping to read would never let in.
  if (!backlogged_) {
    if (options_.high_water_mark == 0 || wbuf_.size() <= options_.high_water_mark) return;
    backlogged_ = true;
    stop_read();
  } else if (wbuf_.size() <= options_.low_water_mark || options_.high_water_mark == 0) {
    backlogged_ = false;
    if (wants_data()) start_read();
  }
}

void HandleImpl::high_water_mark(std::size_t n) {
  options_.high_water_mark = n;
  if (!stopped()) check_back_pressure();
}

void HandleImpl::on_drain(Handle::Callback cb) {
  bool set = static_cast<bool>(cb);
  on_drain_.set(std::move(cb));
  if (set && !destroyed() && drain_condition()) {
    drain_pending_ = true;
    schedule();
  }
}

void HandleImpl::push_write(std::string_view bytes) {
  if (stopped()) return;
  if (pipe_.active()) {
    after_filter(pipe_.outbound(bytes, shutdown_pending_));
  } else if (fd_ < 0 && (options_.tls || pending_filter_)) {
    plain_pending_.append(bytes);  // encoded once the connection and its filter are there
  } else {
    wbuf_.append(bytes);
    flush(false);
  }
  // Also what waits for the connection or inside the filter (TLS data written during the
  // handshake): a peer that never completes either must not make us buffer without limit.
  if (!stopped() && check_wbuf_max()) check_back_pressure();
  schedule();
}

void HandleImpl::push_shutdown() {
  if (destroyed()) return;
  on_drain_.set(nullptr);
  options_.low_water_mark = 0;
  shutdown_pending_ = true;
  if (pipe_.active()) {
    after_filter(pipe_.outbound({}, true));
  } else {
    flush(false);
  }
  schedule();
}

void HandleImpl::on_writable() {
  Frame frame(*this);
  if (destroyed()) return;
  flush(true);
  run_pending();
}

void HandleImpl::flush(bool writable) {
  if (!open()) return;
  if (!wbuf_.empty() && (writable || (!writing_ && !options_.autocork))) {
    ssize_t n = is_socket_ ? ::send(fd_, wbuf_.data(), wbuf_.size(), MSG_NOSIGNAL)
                           : ::write(fd_, wbuf_.data(), wbuf_.size());
    if (n > 0) {
      wbuf_.consume(static_cast<std::size_t>(n));
      give_back_capacity(wbuf_, kept_capacity());
      timeouts_.wrote();
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
      (!pipe_.active() || pipe_.close_sent())) {
    shutdown_done_ = true;
    ::shutdown(fd_, SHUT_WR);  // fails harmlessly on pipes, as in AnyEvent
  }
}

// ---- filters ------------------------------------------------------------------------------------

void HandleImpl::starttls(std::unique_ptr<StreamFilter> filter) {
  if (!filter) throw std::invalid_argument("ae::Handle::starttls: null filter");
  if (destroyed()) return;
  if (pipe_.active() || pending_filter_) {
    throw std::logic_error("ae::Handle::starttls: a filter is already active");
  }
  if (fd_ < 0 || connecting()) {
    pending_filter_ = std::move(filter);
    return;
  }
  install_filter(std::move(filter));
  schedule();
}

void HandleImpl::install_filter(std::unique_ptr<StreamFilter> filter) {
  after_filter(pipe_.install(std::move(filter), eof_, plain_pending_, shutdown_pending_));
  if (pipe_.active()) start_read();
}

void HandleImpl::stoptls() {
  if (destroyed() || fd_ < 0 || pipe_.closing()) return;
  after_filter(pipe_.close());
  schedule();
}

void HandleImpl::resettls() noexcept {
  pipe_.reset();
  pending_filter_.reset();
}

void HandleImpl::after_filter(FilterPipe::Step step) {
  if (destroyed()) return;
  if (step.decoded != 0) {
    appended_ += step.decoded;
    need_drain_ = true;
  }
  if (step.close_started) filter_close_started();
  if (step.established) {
    events_.push_back({Event::Kind::kStartTls, true, {}, "TLS/SSL connection established"});
  }
  if (step.ended && step.error) {
    if (on_starttls_ && step.outcome_unsaid) {
      events_.push_back({Event::Kind::kStartTls, false, step.error, std::move(step.message)});
      flush(false);
      return;
    }
    flush(false);
    raise(FilterPipe::fatal_code(step.error), std::move(step.message), true);
    return;
  }
  if (step.ended) {  // the peer closed the filtered stream: what follows is plain
    if (step.outcome_unsaid && on_starttls_) {
      events_.push_back({Event::Kind::kStartTls, false,
                         std::make_error_code(std::errc::protocol_error), "EOF during handshake"});
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

// ---- connecting ---------------------------------------------------------------------------------

Seconds HandleImpl::on_prepare_fd(int fd) {
  Frame frame(*this);
  if (phase_ != Phase::kConnecting || !on_prepare_) return Seconds(0);
  fd_lent_ = true;
  fd_ = fd;
  is_socket_ = true;
  Seconds timeout = call(on_prepare_);
  fd_lent_ = false;
  fd_ = -1;
  return phase_ == Phase::kConnecting ? timeout : Seconds(0);
}

void HandleImpl::on_connected(std::error_code ec, Connection c) {
  Frame frame(*this);
  if (phase_ != Phase::kConnecting) {  // destroyed, or a fatal error is on its way
    if (c.fd >= 0) ::close(c.fd);
    return;
  }
  if (ec) {
    std::string message = connect_->describe(ec);
    if (on_connect_error_) {
      phase_ = Phase::kFailing;  // the Handle is destroyed after the callback
      call(on_connect_error_, ec, std::string_view(message));
      destroy();
    } else {
      raise(ec, std::move(message), true);
      run_pending();
    }
    return;
  }
  phase_ = Phase::kOpen;
  fd_ = c.fd;
  is_socket_ = true;
  peer_ = c.peer;
  peer_known_ = !peer_.empty();
  Function<void()> retry = connect_->connected(std::move(c.retry), [this] { this->retry(); });
  start_io();
  if (destroyed()) return;
  if (on_connect_) {
    SocketAddress peer = peer_;
    call(on_connect_, peer, std::move(retry));
  }
  run_pending();
}

void HandleImpl::retry() {
  if (!open() || !connect_->can_retry()) return;
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
  phase_ = Phase::kConnecting;
  connect_->next();
}

void HandleImpl::start_io() {
  Frame frame(*this);
  timeouts_.start();
  if (is_socket_) {
    if (options_.no_delay) apply_sockopt(IPPROTO_TCP, TCP_NODELAY, true);
    if (options_.keepalive) apply_sockopt(SOL_SOCKET, SO_KEEPALIVE, true);
    apply_sockopt(SOL_SOCKET, SO_OOBINLINE, options_.oobinline);
  }
  rearm_timer();
  if (options_.tls) {
    std::unique_ptr<StreamFilter> filter = options_.tls(*owner_);
    if (destroyed()) return;
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
  timeouts_.disarm();
}

void HandleImpl::close_fd() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// ---- timeouts -----------------------------------------------------------------------------------

std::size_t HandleImpl::kept_capacity() const noexcept {
  return std::max(kMinKeptCapacity, 2 * options_.max_read_size);
}

void HandleImpl::set_timeout(Timeouts::Kind kind, double seconds) {
  timeouts_.set_period(kind, seconds);
  if (!destroyed()) rearm_timer();
}

void HandleImpl::timeout_reset(Timeouts::Kind kind) noexcept { timeouts_.reset(kind); }

void HandleImpl::close_timeout(double seconds) {
  timeouts_.set_close_timeout(seconds);
  if (!destroyed()) rearm_timer();
}

void HandleImpl::filter_close_started() {
  timeouts_.close_started();
  rearm_timer();
}

void HandleImpl::rearm_timer() {
  if (!open()) return timeouts_.disarm();
  timeouts_.arm(awaiting_close());
}

void HandleImpl::on_timer() {
  Frame frame(*this);
  if (stopped()) return;
  Slot<void(Handle&)>* slots[] = {&on_timeout_, &on_rtimeout_, &on_wtimeout_};
  for (Timeouts::Kind k : Timeouts::kKinds) {
    if (!timeouts_.take_due(k)) continue;
    if (*slots[k]) {
      call(*slots[k]);
    } else {
      raise(std::make_error_code(std::errc::timed_out),
            std::string(Timeouts::name(k)) + " of " + std::to_string(timeouts_.period(k)) +
                " s: " + std::make_error_code(std::errc::timed_out).message(),
            false);
    }
    deliver_events();
    if (stopped()) return;
  }
  if (timeouts_.close_overdue(awaiting_close())) {
    raise(std::make_error_code(std::errc::timed_out),
          std::string(pipe_.filter()->name()) + ": the peer did not answer our close within " +
              std::to_string(timeouts_.close_timeout()) +
              " s: " + std::make_error_code(std::errc::timed_out).message(),
          true);
    deliver_events();
    return;
  }
  rearm_timer();
  run_pending();
}

// ---- socket options -----------------------------------------------------------------------------

void HandleImpl::apply_sockopt(int level, int name, bool on) noexcept {
  int value = on ? 1 : 0;
  (void)::setsockopt(fd_, level, name, &value, sizeof value);  // errors ignored, as AnyEvent does
}

void HandleImpl::socket_option(bool Handle::Options::*field, int level, int name,
                               bool on) noexcept {
  options_.*field = on;
  if (fd_ >= 0 && is_socket_) apply_sockopt(level, name, on);
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
