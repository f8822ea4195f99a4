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

ConnectRace::ConnectRace(ConnectCallback cb, PrepareCallback prepare, Seconds attempt_delay)
    : cb_(std::move(cb)),
      prepare_(std::move(prepare)),
      attempt_delay_(attempt_delay),
      last_error_(errno_code(ENXIO)) {}

void ConnectRace::start(Resolver& resolver, std::string_view host, std::string_view service) {
  resolving_ = resolve_sockaddr(resolver, host, service, {},
                                [this](std::error_code ec, std::vector<SocketAddress> addrs) {
                                  on_resolved(ec, std::move(addrs));
                                });
}

void ConnectRace::cancel() noexcept {
  phase_ = Phase::kCancelled;
  resolving_.reset();
  attempts_.clear();
  untried_.clear();
  step_.reset();
  final_.reset();
}

void ConnectRace::on_resolved(std::error_code ec, std::vector<SocketAddress> addrs) {
  std::shared_ptr<ConnectRace> keep = shared_from_this();
  // The resolution is over; dismissing (not destroying) its guard inside its own callback.
  resolving_.dismiss();
  if (ec) {
    last_error_ = ec;
    addrs.clear();
  }
  std::vector<SocketAddress> ordered = interleave_families(std::move(addrs));
  untried_.assign(ordered.begin(), ordered.end());
  phase_ = Phase::kConnecting;
  start_next();
}

void ConnectRace::start_next() {
  while (phase_ == Phase::kConnecting && !untried_.empty()) {
    SocketAddress peer = untried_.front();
    untried_.pop_front();
    int error = begin_attempt(peer);
    if (error == 0) {
      if (phase_ == Phase::kConnecting && !untried_.empty()) {
        if (step_) {
          step_.set(attempt_delay_);
        } else {
          step_ = timer(attempt_delay_, [this] {
            std::shared_ptr<ConnectRace> keep = shared_from_this();
            start_next();
          });
        }
      }
      return;
    }
    last_error_ = errno_code(error);
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
  take(attempt).reset();
  last_error_ = errno_code(error);
  if (!untried_.empty()) {
    start_next();
  } else {
    fail_if_exhausted();
  }
}

void ConnectRace::fail_if_exhausted() {
  if (phase_ != Phase::kConnecting || !attempts_.empty() || !untried_.empty()) return;
  phase_ = Phase::kDone;
  step_.reset();
  final_ = deliver_later([this] {
    std::shared_ptr<ConnectRace> keep = shared_from_this();
    if (phase_ == Phase::kDone) cb_(last_error_, Connection{});
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

void ConnectRace::retry(std::uint64_t generation) {
  if (phase_ != Phase::kConnected || generation != generation_) return;
  phase_ = Phase::kConnecting;
  last_error_ = errno_code(ENXIO);  // what is reported when no address is left
  start_next();
}

}  // namespace ae::socket_internal
