#include "tests/socket/support/sockets.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "socket/connect.h"

namespace ae::socket_test {

std::string loopback(int family) { return family == AF_INET6 ? "::1" : "127.0.0.1"; }

std::string read_some(int fd, std::size_t max) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) return "";
  std::string out(max, '\0');
  ssize_t n = ::read(fd, out.data(), max);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 5000) != 1) return false;
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (n > 0) data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool nonblocking_cloexec(int fd) {
  int fl = ::fcntl(fd, F_GETFL);
  int fd_flags = ::fcntl(fd, F_GETFD);
  return fl >= 0 && fd_flags >= 0 && (fl & O_NONBLOCK) != 0 && (fd_flags & FD_CLOEXEC) != 0;
}

bool is_closed(int fd) { return ::fcntl(fd, F_GETFD) < 0 && errno == EBADF; }

int bind_without_listening(const SocketAddress& address, SocketAddress* bound) {
  int fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::bind(fd, address.get(), address.size()) < 0) {
    ::close(fd);
    return -1;
  }
  socklen_t size = bound->capacity();
  ::getsockname(fd, bound->get(), &size);
  bound->set_size(size);
  return fd;
}

Outcome connect_and_wait(const std::string& host, const std::string& service,
                         PrepareCallback prepare, std::chrono::duration<double> limit) {
  CondVar<Outcome> done;
  bool inside = true;
  auto start = std::chrono::steady_clock::now();
  Guard g = tcp_connect(
      host, service,
      [&](std::error_code ec, Connection c) {
        Outcome o;
        o.ec = ec;
        o.fd = c.fd;
        o.peer = c.peer;
        o.error = c.error;
        o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        o.called_inside = inside;
        done.send(o);
      },
      std::move(prepare));
  inside = false;
  EXPECT_TRUE(done.wait_for(limit)) << "no outcome for " << host << " " << service;
  if (!done.ready())
    return Outcome{std::make_error_code(std::errc::timed_out), -1, {}, {}, 0, false};
  Outcome o = done.recv();
  EXPECT_FALSE(o.called_inside) << "the callback ran inside tcp_connect";
  return o;
}

}  // namespace ae::socket_test
