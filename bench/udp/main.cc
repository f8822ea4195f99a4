// The UDP echo benchmark driver: datagrams echoed per second by a server on ae (ae::udp_bind and
// UdpSocket::reply, on the asio and uv backends) and by the same server written on libuv, each in
// its own process with the same load client on a second thread (load.h), taking turns. Prints
// the machine, a table with the median of the runs and the ratios against libuv.
//
// Usage: udp [--echoes N] [--window W] [--size BYTES] [--runs R]
#include <cstdio>
#include <string>
#include <vector>

#include "bench/common/driver.h"
#include "bench/common/result.h"

namespace {

using ae::bench::Implementation;

const std::vector<Implementation> kServers = {
    {"libuv", "udp_echo_libuv", {}},
    {"ae/asio", "udp_echo_ae", {"asio"}},
    {"ae/uv", "udp_echo_ae", {"uv"}},
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto options = ae::bench::parse_options(
        argc, argv, {{"echoes", 200000}, {"window", 16}, {"size", 64}, {"runs", 5}},
        "usage: udp [--echoes N] [--window W] [--size BYTES] [--runs R]\n"
        "  UDP echo: N datagrams of BYTES echoed by each server on 127.0.0.1, W in flight;\n"
        "  echoes per second, wall and server CPU microseconds per echo.\n");
    ae::bench::print_machine(stdout);
    std::printf(
        "client: one blocking connected UDP socket on a second thread of the server's process, "
        "%lld datagrams in flight; rate: echoes per second; wall: microseconds per echo; cpu: the "
        "server thread's CPU microseconds per echo; resent: datagrams sent again after a 200 ms "
        "receive timeout (lost)\n",
        static_cast<long long>(options["window"]));
    int runs = static_cast<int>(options["runs"]);
    auto rows = ae::bench::run_implementations(
        kServers,
        {std::to_string(options["echoes"]), std::to_string(options["window"]),
         std::to_string(options["size"])},
        runs, {"rate", "wall", "cpu", "resent"});
    ae::bench::print_results(stdout,
                             std::to_string(options["echoes"]) + " echoes of " +
                                 std::to_string(options["size"]) + " bytes, median of " +
                                 std::to_string(runs) + " runs",
                             {{"name", "name"},
                              {"echoes", "echoes"},
                              {"rate", "rate"},
                              {"wall", "wall"},
                              {"cpu", "cpu"},
                              {"resent", "resent"}},
                             rows, {"wall", "cpu"}, "libuv");
  });
}
