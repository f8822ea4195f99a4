#include "bench/bench2/harness.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "bench/common/result.h"

namespace ae::bench {

bool Exchange::forward(std::size_t i) noexcept {
  char token;
  if (::read(read_fds_[i], &token, 1) != 1) return false;
  pass(i, token);
  return true;
}

void Exchange::pass(std::size_t i, char token) noexcept {
  std::size_t to = rng_.below(write_fds_.size() - 1);
  if (to >= i) ++to;
  // One byte into an almost empty socket buffer: it cannot block or fail short.
  ssize_t written = ::write(write_fds_[to], &token, 1);
  (void)written;
  ++requests_;
}

void run_bench2(Servers& impl, std::string_view name, std::size_t servers, std::size_t active,
                double seconds, std::string_view comment) {
  if (servers < 2) throw std::invalid_argument("bench2 needs at least 2 servers");
  raise_fd_limit();
  Exchange exchange;
  exchange.read_fds_.reserve(servers);
  exchange.write_fds_.reserve(servers);

  double t0 = cpu_seconds_now();
  for (std::size_t i = 0; i < servers; ++i) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
      throw std::system_error(
          errno, std::generic_category(),
          "socketpair " + std::to_string(i + 1) + " of " + std::to_string(servers));
    }
    exchange.read_fds_.push_back(sv[0]);
    exchange.write_fds_.push_back(sv[1]);
    impl.add_server(i, sv[0], exchange);
  }
  double t1 = cpu_seconds_now();

  Rng injector(42);
  for (std::size_t k = 0; k < active; ++k) {
    char token = static_cast<char>('0' + k % 10);
    ssize_t written = ::write(exchange.write_fds_[injector.below(servers)], &token, 1);
    (void)written;
  }
  double wall2 = seconds_now();
  double t2 = cpu_seconds_now();
  impl.run_for(seconds);
  double t3 = cpu_seconds_now();
  double wall3 = seconds_now();

  if (exchange.timeouts() > 0) throw std::runtime_error("a 3600-second timeout fired");
  if (exchange.requests() == 0) throw std::runtime_error("no request was served");
  Result r;
  r.set("name", name)
      .set("sockets", static_cast<std::int64_t>(servers * 2))
      .set("active", static_cast<std::int64_t>(active))
      .set("create", (t1 - t0) * 1e6 / static_cast<double>(servers), 2)
      .set("request", (t3 - t2) * 1e6 / static_cast<double>(exchange.requests()), 3)
      .set("requests", static_cast<std::int64_t>(exchange.requests()))
      .set("cpu", 100 * (t3 - t2) / (wall3 - wall2), 0)
      .set("comment", comment);
  r.print();
  // The fds stay open: `impl`'s watchers still watch them, and the process ends next.
}

}  // namespace ae::bench
