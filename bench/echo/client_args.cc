#include "bench/echo/client_args.h"

#include <stdexcept>

#include "bench/common/measure.h"
#include "bench/common/result.h"

namespace ae::bench {

EchoArgs parse_echo_args(int argc, char** argv, std::string_view usage, int modes) {
  if (argc != modes + 4) {
    throw std::invalid_argument("usage: " + std::string(usage) + " HOST PORT CONNECTS");
  }
  EchoArgs args;
  for (int i = 1; i <= modes; ++i) args.modes.emplace_back(argv[i]);
  args.host = argv[modes + 1];
  std::int64_t port = parse_count(argv[modes + 2], "PORT");
  if (port > 65535) throw std::invalid_argument("PORT: out of range");
  args.port = static_cast<std::uint16_t>(port);
  args.connects = parse_count(argv[modes + 3], "CONNECTS");
  return args;
}

std::string echo_line(std::int64_t i) {
  return "echo benchmark request " + std::to_string(i) + "\n";
}

void measure_requests(const EchoArgs& args, std::string_view name, std::string_view comment,
                      const std::function<void()>& requests) {
  double wall = seconds_now(), cpu = cpu_seconds_now();
  requests();
  wall = seconds_now() - wall;
  cpu = cpu_seconds_now() - cpu;
  const double per_request = 1e6 / static_cast<double>(args.connects);
  Result()
      .set("name", name)
      .set("connects", args.connects)
      .set("wall", wall * per_request, 1)
      .set("cpu", cpu * per_request, 1)
      .set("comment", comment)
      .print();
}

}  // namespace ae::bench
