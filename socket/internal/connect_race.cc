#include "socket/internal/connect_race.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/loop.h"
#include "socket/internal/deliver_later.h"
#include "socket/resolve.h"

namespace ae::socket_internal {
namespace {

std::error_code errno_code(int e) { return std::make_error_code(static_cast<std::errc>(e)); }

}  // namespace

std::vector<SocketAddress> interleave_families(std::vector<SocketAddress> addrs) {
  if (addrs.empty()) return addrs;
  int first = addrs.front().family();
  std::vector<SocketAddress> preferred, other, out;
  for (SocketAddress& a : addrs) (a.family() == first ? preferred : other).push_back(a);
  out.reserve(addrs.size());
  for (std::size_t i = 0; i < std::max(preferred.size(), other.size()); ++i) {
    if (i < preferred.size()) out.push_back(preferred[i]);
    if (i < other.size()) out.push_back(other[i]);
  }
  return out;
}

ConnectRace::ConnectRace(ConnectCallback cb, PrepareCallback prepare, Seconds attempt_delay,
                         Seconds timeout)
    : cb_(std::move(cb)),
      prepare_(std::move(prepare)),
      attempt_delay_(attempt_delay),
      timeout_(timeout),
      last_error_(errno_code(ENXIO)) {}

void ConnectRace::start(Resolver& resolver, std::string_view host, std::string_view service) {
  target_ =
      host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
  target_ += ":";
  target_ += service;
  if (timeout_ > Seconds(0) && std::isfinite(timeout_.count())) {
    deadline_ = timer(timeout_, [this] { on_deadline(); });
  }
  // Addresses as they arrive: a family whose answers are late (or never come) delays nothing.
  resolving_ = resolve_sockaddr_incremental(
      resolver, host, service, {},
      [this](std::error_code ec, std::vector<SocketAddress> addrs, bool complete) {
        on_resolved(ec, std::move(addrs), complete);
      });
}

void ConnectRace::cancel() noexcept {
  phase_ = Phase::kCancelled;
  resolving_.reset();
  attempts_.clear();
  untried_.clear();
  step_.reset();
  deadline_.reset();
  final_.reset();
}

void ConnectRace::on_resolved(std::error_code ec, std::vector<SocketAddress> addrs, bool complete) {
  std::shared_ptr<ConnectRace> keep = shared_from_this();
  if (complete) {
    // The resolution is over; dismissing (not destroying) its guard inside its own callback.
    resolving_.dismiss();
    resolved_ = true;
    if (ec) last_error_ = ec;
  }
  add_candidates(std::move(addrs));
  if (phase_ == Phase::kResolving) phase_ = Phase::kConnecting;
  if (phase_ != Phase::kConnecting) return;  // connected: the new addresses wait for a retry()
  if (attempts_.empty()) return start_next();
  if (!untried_.empty() && !step_.active()) arm_step();
}

void ConnectRace::add_candidates(std::vector<SocketAddress> addrs) {
  if (addrs.empty()) return;
  std::vector<SocketAddress> all(untried_.begin(), untried_.end());
  all.insert(all.end(), addrs.begin(), addrs.end());
  // The family after the last attempt's goes next, when it has an address left (section 4).
  if (last_family_ != AF_UNSPEC) {
    std::stable_partition(all.begin(), all.end(),
                          [this](const SocketAddress& a) { return a.family() != last_family_; });
  }
  std::vector<SocketAddress> ordered = interleave_families(std::move(all));
  untried_.assign(ordered.begin(), ordered.end());
}

void ConnectRace::arm_step() {
  Seconds left = attempt_delay_ - Seconds(now() - last_start_);
  if (left < Seconds(0)) left = Seconds(0);
  if (step_) {
    step_.set(left);
  } else {
    step_ = timer(left, [this] {
      std::shared_ptr<ConnectRace> keep = shared_from_this();
      start_next();
    });
  }
}

void ConnectRace::on_deadline() {
  std::shared_ptr<ConnectRace> keep = shared_from_this();
  if (phase_ != Phase::kResolving && phase_ != Phase::kConnecting) return;
  phase_ = Phase::kDone;
  resolving_.reset();
  attempts_.clear();
  untried_.clear();
  step_.reset();
  deadline_.reset();
  const std::error_code timed_out = std::make_error_code(std::errc::timed_out);
  cb_(timed_out, failure(timed_out));
}

void ConnectRace::start_next() {
  while (phase_ == Phase::kConnecting && !untried_.empty()) {
    SocketAddress peer = untried_.front();
    untried_.pop_front();
    int error = begin_attempt(peer);
    if (error == 0) {
      last_family_ = peer.family();
      last_start_ = now();
      if (phase_ == Phase::kConnecting && !untried_.empty()) arm_step();
      return;
    }
    last_error_ = errno_code(error);
    last_address_ = peer.to_string();
  }
  fail_if_exhausted();
}

int ConnectRace::begin_attempt(const SocketAddress& peer) {
  UniqueFd fd(::socket(peer.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return errno;
  Seconds timeout(0);
  if (prepare_) {
    timeout = prepare_(fd.get());
    if (phase_ != Phase::kConnecting) return 0;  // prepare cancelled the connect
  }
  int rc;
  do {
    rc = ::connect(fd.get(), peer.get(), peer.size());
  } while (rc < 0 && errno == EINTR);
  // A unix-domain socket connects (or fails, EAGAIN: the listen queue is full) at once; TCP says
  // EINPROGRESS. Either way success is reported from the write watcher, never from here.
  if (rc < 0 && errno != EINPROGRESS) return errno;
  auto attempt = std::make_unique<Attempt>();
  Attempt* a = attempt.get();
  a->peer = peer;
  a->writable = io(fd.get(), kWrite, [this, a] { on_writable(a); });
  // Zero, negative, NaN or infinite: no timeout of ours, the kernel's own applies.
  if (timeout > Seconds(0) && std::isfinite(timeout.count())) {
    a->timeout = timer(timeout, [this, a] { on_failed(a, ETIMEDOUT); });
  }
  a->fd = std::move(fd);
  attempts_.push_back(std::move(attempt));
  return 0;
}

void ConnectRace::on_writable(Attempt* attempt) {
  int error = 0;
  socklen_t len = sizeof error;
  if (::getsockopt(attempt->fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) < 0) error = errno;
  if (error == 0) {
    SocketAddress peer;
    socklen_t size = peer.capacity();
    if (::getpeername(attempt->fd.get(), peer.get(), &size) == 0) return succeed(attempt);
    error = errno;
    if (error == ENOTCONN) {
      // As AnyEvent: a one-byte read fetches the real error when there is one.
      char byte;
      error = ::read(attempt->fd.get(), &byte, 1) < 0 ? errno : ENOTCONN;
    }
  }
  if (error == EAGAIN || error == EINPROGRESS || error == EINTR) return;  // spurious wake-up
  on_failed(attempt, error);
}

std::unique_ptr<ConnectRace::Attempt> ConnectRace::take(Attempt* attempt) {
  auto it = std::find_if(attempts_.begin(), attempts_.end(),
                         [attempt](const auto& p) { return p.get() == attempt; });
  std::unique_ptr<Attempt> out = std::move(*it);
  attempts_.erase(it);
  return out;
}

void ConnectRace::on_failed(Attempt* attempt, int error) {
  std::shared_ptr<ConnectRace> keep = shared_from_this();
  // Destroying the attempt from inside its own watcher's callback is allowed.
  last_address_ = attempt->peer.to_string();
  take(attempt).reset();
  last_error_ = errno_code(error);
  if (!untried_.empty()) {
    start_next();
  } else {
    fail_if_exhausted();
  }
}

void ConnectRace::fail_if_exhausted() {
  if (phase_ != Phase::kConnecting || !attempts_.empty() || !untried_.empty() || !resolved_) {
    return;
  }
  phase_ = Phase::kDone;
  step_.reset();
  deadline_.reset();
  final_ = deliver_later([this] {
    std::shared_ptr<ConnectRace> keep = shared_from_this();
    if (phase_ == Phase::kDone) cb_(last_error_, failure(last_error_));
  });
}

void ConnectRace::succeed(Attempt* attempt) {
  std::shared_ptr<ConnectRace> keep = shared_from_this();
  std::unique_ptr<Attempt> winner = take(attempt);
  // The attempts still pending lost; their addresses go back to the front of the queue, in their
  // original order, for a retry().
  for (auto it = attempts_.rbegin(); it != attempts_.rend(); ++it) {
    untried_.push_front((*it)->peer);
  }
  attempts_.clear();
  step_.reset();
  deadline_.reset();  // the deadline is the first connection's
  phase_ = Phase::kConnected;
  std::uint64_t generation = ++generation_;
  Connection c;
  c.peer = winner->peer;
  winner->writable.reset();
  winner->timeout.reset();
  c.fd = winner->fd.release();
  c.retry = [keep, generation] { keep->retry(generation); };
  cb_(std::error_code(), std::move(c));
}

Connection ConnectRace::failure(std::error_code ec) const {
  Connection c;
  c.error = "connect to " + target_;
  if (!last_address_.empty()) c.error += " (last tried " + last_address_ + ")";
  c.error += ": " + ec.message();
  return c;
}

void ConnectRace::retry(std::uint64_t generation) {
  if (phase_ != Phase::kConnected || generation != generation_) return;
  phase_ = Phase::kConnecting;
  last_error_ = errno_code(ENXIO);  // what is reported when no address is left
  last_address_.clear();
  start_next();
}

}  // namespace ae::socket_internal
