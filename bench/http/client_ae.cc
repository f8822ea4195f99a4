// The ae::http client in the client benchmark (bench/http/client_bench.cc): CONCURRENCY requests
// kept in flight through the loop's keep-alive pool, or one download streamed through on_body.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/measure.h"
#include "bench/common/result.h"
#include "bench/http/client_args.h"
#include "core/condvar.h"
#include "core/loop.h"
#include "http/client.h"

namespace {

using ae::bench::seconds_now;

// The options of every request: no Accept-Encoding (as libcurl without --compressed), the body
// exactly as sent.
ae::http::Options plain_options() {
  ae::http::Options o;
  o.decompress = false;
  o.proxy = "";
  return o;
}

void requests_per_second(const ae::bench::ClientArgs& args) {
  const std::size_t c = static_cast<std::size_t>(args.concurrency);
  ae::http::set_pool_options({.max_per_host = c, .max_total = c, .idle_timeout = 60});
  std::vector<ae::http::Request> slots(c);
  std::int64_t done = 0;
  std::size_t in_flight = 0;
  std::string failure;
  ae::CondVar<> finished;
  const double t0 = seconds_now();
  const double cpu0 = ae::bench::cpu_seconds_now();
  double t_end = t0;
  std::function<void(std::size_t)> start = [&](std::size_t i) {
    ++in_flight;
    slots[i] = ae::http::http_get(
        args.url, plain_options(), [&, i](std::string body, ae::http::Response hdr) {
          --in_flight;
          if (hdr.status != 200 || body.empty()) {
            failure = std::to_string(hdr.status) + " " + hdr.reason;
          } else {
            ++done;
          }
          t_end = seconds_now();
          if (failure.empty() && t_end - t0 < static_cast<double>(args.seconds)) {
            start(i);
          } else if (in_flight == 0) {
            finished.send();
          }
        });
  };
  for (std::size_t i = 0; i < c; ++i) start(i);
  finished.recv();
  if (!failure.empty()) throw std::runtime_error("request failed: " + failure);
  const double cpu = ae::bench::cpu_seconds_now() - cpu0;
  const ae::http::PoolStats stats = ae::http::pool_stats();
  ae::http::close_idle_connections();
  ae::bench::Result r;
  r.set("name", "ae")
      .set("requests", done)
      .set("rps", static_cast<double>(done) / (t_end - t0), 0)
      .set("cpu_us", cpu * 1e6 / static_cast<double>(done), 1)
      .set("connections", static_cast<std::int64_t>(stats.connections_made));
  r.print();
}

void download(const ae::bench::ClientArgs& args) {
  std::int64_t bytes = 0;
  ae::http::Options o = plain_options();
  o.on_body = [&](std::string_view piece, const ae::http::Response&) {
    bytes += static_cast<std::int64_t>(piece.size());
    return true;
  };
  ae::CondVar<ae::http::Response> finished;
  const double t0 = seconds_now();
  const double cpu0 = ae::bench::cpu_seconds_now();
  ae::http::Request req = ae::http::http_get(
      args.url, std::move(o),
      [&](std::string, ae::http::Response hdr) { finished.send(std::move(hdr)); });
  ae::http::Response hdr = finished.recv();
  const double seconds = seconds_now() - t0;
  const double cpu = ae::bench::cpu_seconds_now() - cpu0;
  if (hdr.status != 200) throw std::runtime_error("download failed: " + hdr.reason);
  ae::bench::Result r;
  r.set("name", "ae")
      .set("bytes", bytes)
      .set("seconds", seconds, 3)
      .set("mib_s", static_cast<double>(bytes) / seconds / (1 << 20), 0)
      .set("cpu_s", cpu, 3)
      .set("rss_mib", static_cast<double>(ae::bench::rss_bytes()) / (1 << 20), 1);
  r.print();
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    ae::bench::ClientArgs args = ae::bench::parse_client_args(argc, argv);
    if (args.download) {
      download(args);
    } else {
      requests_per_second(args);
    }
  });
}
