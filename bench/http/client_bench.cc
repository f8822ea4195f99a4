// The HTTP client benchmark's driver (bench/run_http_client.sh starts nginx and runs it): each
// client in its own process, taking turns, against the same local nginx.
//   - requests per second over keep-alive, small response, 1 and 64 requests in flight:
//     ae::http vs libcurl's multi interface vs Boost.Beast's async client;
//   - a 1 GiB download: ae::http (on_body) vs libcurl (easy) vs the curl program (-o /dev/null).
// Prints the machine, a table per case with the median of the runs, and the ratios.
//
// Usage: client_bench --port P [--seconds S] [--runs R] [--download 0|1]
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/driver.h"
#include "bench/common/result.h"

namespace {

using ae::bench::Fields;
using ae::bench::Implementation;

const std::vector<Implementation> kRpsClients = {
    {"libcurl multi", "client_curl", {"rps"}},
    {"ae", "client_ae", {"rps"}},
    {"beast", "client_beast", {"rps"}},
};

const std::vector<Implementation> kDownloadClients = {
    {"libcurl easy", "client_curl", {"download"}},
    {"ae", "client_ae", {"download"}},
};

// The curl program on the same URL: its own timing (-w), body to /dev/null.
Fields curl_program(const std::string& url) {
  Fields f = ae::bench::run_program(
      "/usr/bin/curl",
      {"-s", "--proxy", "", "-o", "/dev/null", "-w",
       "result\\tname=curl\\tbytes=%{size_download}\\tseconds=%{time_total}\\n", url},
      "curl");
  if (!f.contains("error")) {
    const double bytes = std::stod(f["bytes"]);
    const double seconds = std::stod(f["seconds"]);
    char mib_s[32];
    std::snprintf(mib_s, sizeof mib_s, "%.0f", bytes / seconds / (1 << 20));
    f["mib_s"] = mib_s;
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto options = ae::bench::parse_options(
        argc, argv, {{"port", 0}, {"seconds", 3}, {"runs", 3}, {"download", 1}},
        "usage: client_bench --port P [--seconds S] [--runs R] [--download 0|1]\n"
        "  nginx on 127.0.0.1:P serves /small (a short body) and /gib.bin (1 GiB);\n"
        "  bench/run_http_client.sh sets that up.\n");
    if (options["port"] <= 0 || options["port"] > 65535) {
      throw std::invalid_argument("--port is required (bench/run_http_client.sh gives it)");
    }
    const std::string base = "http://127.0.0.1:" + std::to_string(options["port"]);
    const int runs = static_cast<int>(options["runs"]);
    const std::string seconds = std::to_string(options["seconds"]);
    ae::bench::print_machine(stdout);
    std::printf(
        "server: nginx, 1 worker, keep-alive, on 127.0.0.1; each client single-threaded in its "
        "own process; rps: requests per second (wall) over %s s; cpu_us: the client's CPU "
        "microseconds per request; median of %d runs\n",
        seconds.c_str(), runs);
    for (int concurrency : {1, 64}) {
      auto rows = ae::bench::run_implementations(
          kRpsClients, {base + "/small", std::to_string(concurrency), seconds}, runs,
          {"requests", "rps", "cpu_us"});
      ae::bench::print_results(
          stdout, "GET /small over keep-alive, " + std::to_string(concurrency) + " in flight",
          {{"name", "name"}, {"requests", "requests"}, {"rps", "req/s"}, {"cpu_us", "cpu_us"}},
          rows, {"rps", "cpu_us"}, "libcurl multi");
    }
    if (options["download"] != 0) {
      auto rows = ae::bench::run_implementations(kDownloadClients, {base + "/gib.bin"}, runs,
                                                 {"bytes", "seconds", "mib_s", "cpu_s", "rss_mib"});
      std::vector<Fields> curl_runs;
      for (int r = 0; r < runs; ++r) curl_runs.push_back(curl_program(base + "/gib.bin"));
      rows.insert(rows.begin(), ae::bench::median_of_runs(curl_runs, {"seconds", "mib_s"}));
      ae::bench::print_results(stdout, "GET /gib.bin (1 GiB), body dropped",
                               {{"name", "name"},
                                {"bytes", "bytes"},
                                {"seconds", "seconds"},
                                {"mib_s", "MiB/s"},
                                {"cpu_s", "cpu_s"},
                                {"rss_mib", "rss_MiB"}},
                               rows, {"seconds", "mib_s"}, "curl");
    }
  });
}
