#include "bench/watchers/harness.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>

#include "bench/common/measure.h"
#include "bench/common/result.h"

namespace ae::bench {

std::size_t CallCounter::repeated() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(calls_.begin(), calls_.end(), [](std::uint32_t c) { return c > 1; }));
}

void run_watcher_bench(WatcherBench& bench, std::string_view name, std::size_t watchers,
                       std::string_view comment) {
  if (watchers < 2 || watchers % 2 != 0) {
    throw std::invalid_argument("watchers must be an even number >= 2");
  }
  // A fresh socketpair end with an empty send buffer is writable and stays so (the benchmark
  // never writes to it); AnyEvent's bench used its STDOUT tty the same way.
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
    throw std::system_error(errno, std::generic_category(), "socketpair");
  }
  const std::size_t pairs = watchers / 2;
  CallCounter counter(watchers);
  const double n = static_cast<double>(watchers);

  std::int64_t rss0 = rss_bytes();
  double wall0 = seconds_now();
  double t0 = cpu_seconds_now();
  bench.create(sv[0], pairs, counter);
  double t1 = cpu_seconds_now();
  std::int64_t rss1 = rss_bytes();

  bench.invoke();
  double t2 = cpu_seconds_now();
  if (counter.waiting() != 0) {
    throw std::runtime_error(std::to_string(counter.waiting()) + " of " + std::to_string(watchers) +
                             " watchers never ran");
  }
  std::size_t total = counter.total();
  std::size_t repeated = counter.repeated();

  bench.destroy();
  double t3 = cpu_seconds_now();
  double wall3 = seconds_now();
  ::close(sv[0]);
  ::close(sv[1]);

  std::string note(comment);
  if (repeated > 0) {
    if (!note.empty()) note += "; ";
    note += std::to_string(repeated) + " watchers ran more than once before the loop stopped";
  }
  Result r;
  r.set("name", name)
      .set("watchers", static_cast<std::int64_t>(watchers))
      .set("bytes", static_cast<std::int64_t>(std::llround(static_cast<double>(rss1 - rss0) / n)))
      .set("create", (t1 - t0) * 1e6 / n, 4)
      .set("invoke", (t2 - t1) * 1e6 / static_cast<double>(total), 4)
      .set("destroy", (t3 - t2) * 1e6 / n, 4)
      .set("calls", static_cast<std::int64_t>(total))
      .set("cpu", 100 * (t3 - t0) / (wall3 - wall0), 0)
      .set("comment", note);
  r.print();
}

}  // namespace ae::bench
