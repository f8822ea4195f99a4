#include "tests/examples/support/black_hole.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace ae::examples_test {

namespace {

sockaddr_in loopback_port(std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

}  // namespace

BlackHole::BlackHole() {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa = loopback_port(0);
  socklen_t len = sizeof sa;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len) != 0 ||
      ::listen(listener, 0) != 0) {
    if (listener >= 0) ::close(listener);
    throw std::runtime_error("BlackHole: cannot listen on 127.0.0.1");
  }
  sockets_.push_back(listener);
  port_ = ntohs(sa.sin_port);
  // Connect until one connect stays pending: the queue is full, and SYNs are dropped from now on.
  while (sockets_.size() < 32) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in to = loopback_port(port_);
    ::connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to);
    pollfd connected{s, POLLOUT, 0};
    if (::poll(&connected, 1, 100) == 0) {
      ::close(s);
      return;
    }
    sockets_.push_back(s);
  }
  throw std::runtime_error("BlackHole: the accept queue did not fill up");
}

BlackHole::~BlackHole() {
  for (int s : sockets_) ::close(s);
}

}  // namespace ae::examples_test
