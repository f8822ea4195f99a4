#include "tests/support/sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>

namespace ae::testing {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

sockaddr_in loopback(int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

// Binds a new TCP socket to 127.0.0.1 port 0; returns it and the port it got.
std::pair<int, int> bound_socket() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check(fd >= 0, "socket");
  sockaddr_in sa = loopback(0);
  check(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0, "bind");
  socklen_t len = sizeof sa;
  check(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0, "getsockname");
  return {fd, ntohs(sa.sin_port)};
}

}  // namespace

std::pair<int, int> unix_pair() {
  int sv[2];
  check(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
  return {sv[0], sv[1]};
}

Listener::Listener() {
  std::tie(fd, port) = bound_socket();
  check(::listen(fd, 16) == 0, "listen");
}

Listener::~Listener() {
  if (fd >= 0) ::close(fd);
}

int Listener::accept_one() {
  int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  check(c >= 0, "accept");
  return c;
}

std::pair<int, int> tcp_pair() {
  Listener l;
  int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check(c >= 0, "socket");
  sockaddr_in sa = loopback(l.port);
  check(::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0, "connect");
  return {c, l.accept_one()};
}

bool connects(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

}  // namespace ae::testing
