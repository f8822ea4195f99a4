// The watcher benchmark driver: runs every implementation in its own process and prints
// AnyEvent-style tables with ratios against native libev.
//
// Two tables: one at --count watchers (100000, AnyEvent's figure) for the implementations that
// can have that many watchers on one fd, and one at the largest count whose io watchers fit in
// RLIMIT_NOFILE, where the implementations that need one fd per io watcher (libuv, asio/dup) run
// beside the others.
//
// Usage: watchers [--count N] [--runs R]
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/common/driver.h"
#include "bench/common/measure.h"

namespace {

using ae::bench::Implementation;

const std::vector<Implementation> kOnOneFd = {
    {"libev", "watchers_libev", {}},
    {"ae/asio", "watchers_ae", {"asio"}},
    {"ae/uv", "watchers_ae", {"uv"}},
    {"ae/native", "watchers_ae", {"native"}},
    {"ae/ev", "watchers_ae", {"ev"}},
    {"ae/glib", "watchers_ae", {"glib"}},
    {"ae/asio+debug", "watchers_ae_debug", {"asio"}},
    {"ae/uv+debug", "watchers_ae_debug", {"uv"}},
    {"ae/asio+metrics", "watchers_ae_debug", {"asio", "metrics"}},
    {"asio/shared", "watchers_asio", {"shared"}},
};

// These need one fd per io watcher.
const std::vector<Implementation> kFdPerWatcher = {
    {"asio/dup", "watchers_asio", {"dup"}},
    {"libuv", "watchers_libuv", {}},
};

const std::vector<std::string> kCompared = {"bytes", "create", "invoke", "destroy"};
const std::vector<std::string> kMedian = {"bytes", "create", "invoke", "destroy", "calls", "cpu"};

void run_table(std::int64_t watchers, bool fd_per_watcher_fits, int runs) {
  std::vector<Implementation> impls = kOnOneFd;
  if (fd_per_watcher_fits) impls.insert(impls.end(), kFdPerWatcher.begin(), kFdPerWatcher.end());
  auto rows = ae::bench::run_implementations(impls, {std::to_string(watchers)}, runs, kMedian);
  ae::bench::print_results(stdout,
                           std::to_string(watchers) +
                               " watchers (half io on one fd, half zero-delay timers), median of " +
                               std::to_string(runs) + " runs",
                           {{"name", "name"},
                            {"watchers", "watchers"},
                            {"calls", "calls"},
                            {"bytes", "bytes"},
                            {"create", "create"},
                            {"invoke", "invoke"},
                            {"destroy", "destroy"},
                            {"cpu", "cpu%"}},
                           rows, kCompared, "libev");
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto options = ae::bench::parse_options(argc, argv, {{"count", 100000}, {"runs", 3}},
                                            "usage: watchers [--count N] [--runs R]\n"
                                            "  AnyEvent's watcher benchmark; bytes per watcher, "
                                            "microseconds per watcher.\n");
    std::int64_t count = options["count"] / 2 * 2;
    int runs = static_cast<int>(options["runs"]);
    std::int64_t fd_limit = ae::bench::raise_fd_limit();
    // One fd per io watcher, with room for the loop's own fds and stdio.
    std::int64_t fd_bound = std::min(count, (fd_limit - 64) / 1000 * 1000 * 2);

    ae::bench::print_machine(stdout);
    std::printf(
        "RLIMIT_NOFILE %lld; create and destroy in CPU microseconds per watcher, invoke per "
        "callback call, bytes per watcher from RSS growth\n",
        static_cast<long long>(fd_limit));
    run_table(count, fd_bound >= count, runs);
    if (fd_bound < count && fd_bound >= 2) run_table(fd_bound, true, runs);
  });
}
