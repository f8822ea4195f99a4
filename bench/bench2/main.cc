// The bench2 driver: AnyEvent's server simulation for every implementation, each in its own
// process, in two sizes (large: 10000 servers or as many as RLIMIT_NOFILE allows, 100 active;
// small: 8 servers, 3 active), printed as AnyEvent-style tables with ratios against libev.
//
// Implementations are the programs next to this one. bench2_handle, the ae::Handle variant
// (bench/bench2/bench2_handle.cc, built on //handle), is marked optional: the driver runs it as
// "ae/handle" whenever that program exists.
//
// Usage: bench2 [--servers N] [--active N] [--small-servers N] [--small-active N] [--ms T]
//               [--runs R]
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/common/driver.h"
#include "bench/common/measure.h"

namespace {

using ae::bench::Implementation;

const std::vector<Implementation> kImplementations = {
    {"libev", "bench2_libev", {}},
    {"ae/asio", "bench2_ae", {"asio"}},
    {"ae/uv", "bench2_ae", {"uv"}},
    {"ae/native", "bench2_ae", {"native"}},
    {"ae/ev", "bench2_ae", {"ev"}},
    {"ae/glib", "bench2_ae", {"glib"}},
    {"ae/handle", "bench2_handle", {"asio"}, /*optional=*/true},
    {"libuv", "bench2_libuv", {}},
    {"asio/wait", "bench2_asio", {"wait"}},
    {"asio/read", "bench2_asio", {"read"}},
};

const std::vector<std::string> kCompared = {"create", "request"};
const std::vector<std::string> kMedian = {"create", "request", "requests", "cpu"};

void run_table(const std::string& title, std::int64_t servers, std::int64_t active, std::int64_t ms,
               int runs) {
  auto rows = ae::bench::run_implementations(
      kImplementations, {std::to_string(servers), std::to_string(active), std::to_string(ms)}, runs,
      kMedian);
  ae::bench::print_results(stdout,
                           title + ": " + std::to_string(servers) + " servers, " +
                               std::to_string(active) + " active, " + std::to_string(ms) +
                               " ms each, median of " + std::to_string(runs) + " runs",
                           {{"name", "name"},
                            {"sockets", "sockets"},
                            {"create", "create"},
                            {"request", "request"},
                            {"requests", "requests"},
                            {"cpu", "cpu%"}},
                           rows, kCompared, "libev");
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto options = ae::bench::parse_options(
        argc, argv,
        {{"servers", 10000},
         {"active", 100},
         {"small-servers", 8},
         {"small-active", 3},
         {"ms", 1000},
         {"runs", 3}},
        "usage: bench2 [--servers N] [--active N] [--small-servers N] [--small-active N] "
        "[--ms T] [--runs R]\n"
        "  AnyEvent's bench2; create in microseconds per server, request in microseconds.\n");
    std::int64_t fd_limit = ae::bench::raise_fd_limit();
    // Two fds per server, and room for stdio and the loops' own fds.
    std::int64_t servers = std::min(options["servers"], (fd_limit - 20) / 2);
    int runs = static_cast<int>(options["runs"]);

    ae::bench::print_machine(stdout);
    std::printf(
        "RLIMIT_NOFILE %lld; create: CPU microseconds per server (socketpair + io watcher + "
        "timeout); request: CPU microseconds per request\n",
        static_cast<long long>(fd_limit));
    run_table("large server", servers, options["active"], options["ms"], runs);
    run_table("small server", options["small-servers"], options["small-active"], options["ms"],
              runs);
  });
}
