#include "tests/socket/support/black_hole.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <utility>

namespace ae::socket_test {
namespace {

// Connects `fd` (non-blocking) to `to` and waits up to 5 s for the handshake to finish.
bool connect_and_wait(int fd, const SocketAddress& to) {
  if (::connect(fd, to.get(), to.size()) < 0 && errno != EINPROGRESS) return false;
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, 5000) != 1) return false;
  int error = 0;
  socklen_t len = sizeof error;
  return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
}

}  // namespace

std::optional<BlackHole> BlackHole::make(const std::string& ip, std::uint16_t port) {
  std::optional<SocketAddress> at = SocketAddress::from_numeric(ip, port);
  if (!at) {
    ADD_FAILURE() << "black hole: bad address " << ip;
    return std::nullopt;
  }
  BlackHole hole;
  int listener = ::socket(at->family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) {
    ADD_FAILURE() << "black hole: socket: " << std::strerror(errno);
    return std::nullopt;
  }
  hole.fds_.push_back(listener);
  // Backlog 0: Linux queues one connection (the queue is full when it holds more than the
  // backlog), then drops SYNs.
  if (::bind(listener, at->get(), at->size()) < 0 || ::listen(listener, 0) < 0) {
    ADD_FAILURE() << "black hole: bind/listen " << at->to_string() << ": " << std::strerror(errno);
    return std::nullopt;
  }
  hole.address_ = *at;
  socklen_t size = hole.address_.capacity();
  ::getsockname(listener, hole.address_.get(), &size);
  hole.address_.set_size(size);
  int filler = ::socket(at->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  hole.fds_.push_back(filler);
  if (filler < 0 || !connect_and_wait(filler, hole.address_)) {
    ADD_FAILURE() << "black hole: could not fill the accept queue of " << hole.address_.to_string();
    return std::nullopt;
  }
  return hole;
}

BlackHole::BlackHole(BlackHole&& other) noexcept
    : address_(other.address_), fds_(std::exchange(other.fds_, {})) {}

BlackHole& BlackHole::operator=(BlackHole&& other) noexcept {
  std::swap(address_, other.address_);
  std::swap(fds_, other.fds_);
  return *this;
}

BlackHole::~BlackHole() {
  for (int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

}  // namespace ae::socket_test
