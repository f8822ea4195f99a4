#include "socket/internal/listener.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <system_error>
#include <utility>

#include "core/log_hook.h"
#include "core/loop.h"
#include "socket/address.h"

namespace ae::socket_internal {
namespace {

constexpr std::string_view kLogContext = "ae::socket";

// Errors after which the listening socket is still fine: the connection went away before it was
// accepted, or (Linux) a network error already pending on it was reported by accept(2).
bool transient(int error) {
  switch (error) {
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

bool out_of_resources(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

Listener::Listener(UniqueFd fd, SocketAddress local, std::string unix_path)
    : fd_(std::move(fd)), local_(local), unix_path_(std::move(unix_path)) {
  struct stat st {};
  if (!unix_path_.empty() && ::stat(unix_path_.c_str(), &st) == 0) {
    unix_dev_ = st.st_dev;
    unix_ino_ = st.st_ino;
  } else {
    unix_path_.clear();  // nothing of ours to unlink later
  }
}

Listener::~Listener() { close(); }

void Listener::start_accepting(AcceptCallback accept, CountedAcceptCallback counted,
                               const ServerSocketOptions& options) {
  accept_ = std::move(accept);
  counted_ = std::move(counted);
  per_wakeup_ = std::max<std::size_t>(options.max_accepts_per_wakeup, 1);
  max_connections_ = options.max_connections;
  rate_ = options.max_accepts_per_second;
  if (rate_ > 0) {
    burst_ = options.accept_burst > 0 ? static_cast<double>(options.accept_burst)
                                      : std::max(1.0, std::ceil(rate_));
    tokens_ = burst_;
    refilled_ = std::chrono::steady_clock::now();
  }
  readable_ = io(fd_.get(), kRead, [this] { on_readable(); });
}

void Listener::close() noexcept {
  readable_.reset();
  resume_.reset();
  rate_wait_.reset();
  if (!fd_) return;
  fd_.reset();
  struct stat st {};
  if (!unix_path_.empty() && ::stat(unix_path_.c_str(), &st) == 0 && st.st_dev == unix_dev_ &&
      st.st_ino == unix_ino_) {
    ::unlink(unix_path_.c_str());
  }
}

void Listener::on_readable() {
  std::shared_ptr<Listener> keep = shared_from_this();
  // Up to per_wakeup_ pending connections per readiness (AnyEvent takes them all, which lets a
  // flood starve the loop). The socket stays readable while more wait, so the next iteration
  // takes the next ones. The callback may close us.
  for (std::size_t taken = 0; fd_ && taken < per_wakeup_;) {
    // At a limit the socket is not watched until the limit lifts: the clients wait in the listen
    // queue (POE's pause_accept), and the loop does not spin on a readable socket.
    if (max_connections_ > 0 && open_connections_ >= max_connections_) return readable_.stop();
    if (rate_ > 0 && !take_token()) return readable_.stop();
    SocketAddress peer;
    socklen_t size = peer.capacity();
    int fd = ::accept4(fd_.get(), peer.get(), &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int error = errno;
      if (rate_ > 0) tokens_ += 1;  // nothing was accepted with it
      if (transient(error)) continue;
      if (error == EAGAIN || error == EWOULDBLOCK) return;
      if (out_of_resources(error)) return pause(error);
      // EBADF, EINVAL, ENOTSOCK, EFAULT: the socket itself is broken; retrying cannot help.
      core_log(LogLevel::kError, kLogContext,
               "tcp_server on " + local_.to_string() + ": accept: " +
                   std::generic_category().message(error) + "; no longer accepting connections");
      readable_.reset();
      return;
    }
    peer.set_size(size);
    if (overloaded_) {
      overloaded_ = false;
      core_log(LogLevel::kNote, kLogContext,
               "tcp_server on " + local_.to_string() + ": accepting connections again");
    }
    ++taken;
    if (counted_) {
      ++open_connections_;
      Guard connection([weak = weak_from_this()] {
        if (std::shared_ptr<Listener> self = weak.lock()) self->connection_closed();
      });
      counted_(fd, format_host(peer), peer.port(), std::move(connection));
    } else {
      accept_(fd, format_host(peer), peer.port());
    }
  }
}

void Listener::connection_closed() {
  --open_connections_;
  if (open_connections_ + 1 == max_connections_) watch_if_allowed();
}

bool Listener::take_token() {
  auto now = std::chrono::steady_clock::now();
  tokens_ =
      std::min(burst_, tokens_ + std::chrono::duration<double>(now - refilled_).count() * rate_);
  refilled_ = now;
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return true;
  }
  Seconds wait((1 - tokens_) / rate_);
  if (rate_wait_) {
    rate_wait_.set(wait);
  } else {
    rate_wait_ = timer(wait, [this] { watch_if_allowed(); });
  }
  return false;
}

void Listener::watch_if_allowed() {
  if (!fd_ || !readable_ || resources_wait_ || rate_wait_.active()) return;
  if (max_connections_ > 0 && open_connections_ >= max_connections_) return;
  readable_.start();
}

void Listener::pause(int error) {
  if (!overloaded_) {
    overloaded_ = true;
    core_log(LogLevel::kError, kLogContext,
             "tcp_server on " + local_.to_string() +
                 ": accept: " + std::generic_category().message(error) +
                 "; pausing accepts (pending connections wait in the listen queue)");
  }
  readable_.stop();
  resources_wait_ = true;
  if (resume_) {
    resume_.set(kAcceptPause);
  } else {
    resume_ = timer(kAcceptPause, [this] {
      resources_wait_ = false;
      watch_if_allowed();
    });
  }
}

}  // namespace ae::socket_internal
