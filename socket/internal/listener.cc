#include "socket/internal/listener.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

void Listener::start_accepting(AcceptCallback accept, std::size_t per_wakeup) {
  accept_ = std::move(accept);
  per_wakeup_ = per_wakeup;
  readable_ = io(fd_.get(), kRead, [this] { on_readable(); });
}

void Listener::close() noexcept {
  readable_.reset();
  resume_.reset();
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
    SocketAddress peer;
    socklen_t size = peer.capacity();
    int fd = ::accept4(fd_.get(), peer.get(), &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int error = errno;
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
    accept_(fd, format_host(peer), peer.port());
  }
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
  if (resume_) {
    resume_.set(kAcceptPause);
  } else {
    resume_ = timer(kAcceptPause, [this] { readable_.start(); });
  }
}

}  // namespace ae::socket_internal
