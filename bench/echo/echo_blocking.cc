// The echo benchmark's baseline client: plain blocking sockets, no event loop. For each request:
// socket, connect, write the line, read until the echoed "\n", close.
//
// Usage: echo_blocking HOST PORT CONNECTS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "bench/common/result.h"
#include "bench/echo/client_args.h"

namespace {

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void request(const sockaddr_in& to, std::int64_t i) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) fail("connect");
  const std::string line = ae::bench::echo_line(i);
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) fail("write");
  std::string echo;
  char buf[256];
  while (echo.empty() || echo.back() != '\n') {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("the server closed before echoing");
    echo.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (echo != line) throw std::runtime_error("wrong echo: " + echo);
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto args = ae::bench::parse_echo_args(argc, argv, "echo_blocking", 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(args.port);
    if (::inet_pton(AF_INET, args.host.c_str(), &to.sin_addr) != 1) {
      throw std::invalid_argument("HOST: not an IPv4 address");
    }
    ae::bench::measure_requests(args, "blocking",
                                "socket + connect + write + read + close, blocking", [&] {
                                  for (std::int64_t i = 0; i < args.connects; ++i) request(to, i);
                                });
  });
}
