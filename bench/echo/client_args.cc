#include "bench/echo/client_args.h"

#include <stdexcept>

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

double per_request_us(double seconds, std::int64_t requests) {
  return seconds * 1e6 / static_cast<double>(requests);
}

}  // namespace ae::bench
