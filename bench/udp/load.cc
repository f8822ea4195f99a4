#include "bench/udp/load.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "bench/common/measure.h"
#include "bench/common/result.h"

namespace ae::bench {
namespace {

void run_client(std::uint16_t port, const UdpLoad& load, UdpLoadResult& result) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{0, 200000};
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0) {
    int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "connect");
  }
  std::string datagram(static_cast<std::size_t>(load.size), 'u');
  std::string echo(datagram.size() + 1, '\0');
  std::int64_t sent = 0;
  std::int64_t received = 0;
  auto send_one = [&] {
    std::memcpy(datagram.data(), &sent, std::min(sizeof sent, datagram.size()));
    ++sent;
    return ::send(fd, datagram.data(), datagram.size(), 0) >= 0 || errno == ECONNREFUSED;
  };
  double start = seconds_now();
  for (std::int64_t i = 0; i < load.window; ++i) send_one();
  int timeouts_in_a_row = 0;
  while (received < load.echoes) {
    ssize_t n = ::recv(fd, echo.data(), echo.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (++timeouts_in_a_row == 25) {
        result.error = "no echo for 5 seconds";
        break;
      }
      for (std::int64_t i = 0; i < load.window; ++i) send_one();
      result.resent += load.window;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(datagram.size())) {
      result.error = n < 0 ? std::string("recv: ") + std::strerror(errno)
                           : "an echo of " + std::to_string(n) + " bytes";
      break;
    }
    timeouts_in_a_row = 0;
    ++received;
    if (sent < load.echoes + result.resent) send_one();
  }
  result.seconds = seconds_now() - start;
  ::close(fd);
}

}  // namespace

UdpLoad parse_udp_load(int argc, char** argv, std::string_view usage, int modes) {
  if (argc != 1 + modes + 3) {
    throw std::invalid_argument("usage: " + std::string(usage) + " ECHOES WINDOW SIZE");
  }
  UdpLoad load;
  for (int i = 1; i <= modes; ++i) load.modes.emplace_back(argv[i]);
  load.echoes = parse_count(argv[modes + 1], "ECHOES");
  load.window = parse_count(argv[modes + 2], "WINDOW");
  load.size = parse_count(argv[modes + 3], "SIZE");
  if (load.size < 8 || load.size > 65000) throw std::invalid_argument("SIZE: 8 to 65000 bytes");
  return load;
}

UdpLoadClient::UdpLoadClient(std::uint16_t port, const UdpLoad& load, std::function<void()> done)
    : thread_([this, port, load, done = std::move(done)] {
        try {
          run_client(port, load, result_);
        } catch (const std::exception& e) {
          result_.error = e.what();
        }
        done();
      }) {}

UdpLoadClient::~UdpLoadClient() {
  if (thread_.joinable()) thread_.join();
}

UdpLoadResult UdpLoadClient::join() {
  if (thread_.joinable()) thread_.join();
  return result_;
}

double thread_cpu_seconds() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void print_udp_result(std::string_view name, const UdpLoad& load, const UdpLoadResult& result,
                      double server_cpu_seconds, std::string_view comment) {
  if (!result.error.empty()) throw std::runtime_error(result.error);
  double per = static_cast<double>(load.echoes);
  Result r;
  r.set("name", name)
      .set("echoes", load.echoes)
      .set("rate", per / result.seconds, 0)
      .set("wall", result.seconds * 1e6 / per, 2)
      .set("cpu", server_cpu_seconds * 1e6 / per, 2)
      .set("resent", result.resent)
      .set("comment", comment);
  r.print();
}

}  // namespace ae::bench
