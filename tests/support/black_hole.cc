#include "tests/support/black_hole.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <utility>

namespace ae::testing {
namespace {

// Starts a non-blocking connect of `fd` to `to`; true when the handshake completes within
// `ms` milliseconds (the queue still had room), false when it stays pending (a SYN was dropped).
bool connects_within(int fd, const SocketAddress& to, int ms) {
  if (::connect(fd, to.get(), to.size()) < 0 && errno != EINPROGRESS) return false;
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, ms) != 1) return false;
  int error = 0;
  socklen_t len = sizeof error;
  return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
}

}  // namespace

BlackHole::BlackHole() {
  std::string why = open(*SocketAddress::from_numeric("127.0.0.1", 0));
  if (!why.empty()) throw std::runtime_error("black hole: " + why);
}

std::optional<BlackHole> BlackHole::make(const std::string& ip, std::uint16_t port) {
  std::optional<SocketAddress> at = SocketAddress::from_numeric(ip, port);
  if (!at) {
    ADD_FAILURE() << "black hole: bad address " << ip;
    return std::nullopt;
  }
  BlackHole hole{Unmade{}};
  std::string why = hole.open(*at);
  if (!why.empty()) {
    ADD_FAILURE() << "black hole: " << why;
    return std::nullopt;
  }
  return hole;
}

std::string BlackHole::open(const SocketAddress& at) {
  int listener = ::socket(at.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return std::string("socket: ") + std::strerror(errno);
  fds_.push_back(listener);
  if (::bind(listener, at.get(), at.size()) < 0 || ::listen(listener, 0) < 0) {
    return "bind/listen " + at.to_string() + ": " + std::strerror(errno);
  }
  address_ = at;
  socklen_t size = address_.capacity();
  ::getsockname(listener, address_.get(), &size);
  address_.set_size(size);
  // Fill the accept queue until a connect stays pending: from then on SYNs are dropped.
  for (int i = 0; i < 16; ++i) {
    int filler = ::socket(at.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (filler < 0) return std::string("socket: ") + std::strerror(errno);
    if (!connects_within(filler, address_, 200)) {
      ::close(filler);
      return "";
    }
    fds_.push_back(filler);
  }
  return "the accept queue of " + address_.to_string() + " does not fill up";
}

BlackHole::BlackHole(BlackHole&& other) noexcept
    : address_(other.address_), fds_(std::exchange(other.fds_, {})) {}

BlackHole& BlackHole::operator=(BlackHole&& other) noexcept {
  std::swap(address_, other.address_);
  std::swap(fds_, other.fds_);
  return *this;
}

BlackHole::~BlackHole() {
  for (int fd : fds_) ::close(fd);
}

}  // namespace ae::testing
