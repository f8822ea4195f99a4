// The command line every echo benchmark client shares, and the line each request sends.
//
// Example:
//   ae::bench::EchoArgs args = ae::bench::parse_echo_args(argc, argv, "echo_blocking", 0);
//   // args.host, args.port, args.connects
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ae::bench {

struct EchoArgs {
  std::vector<std::string> modes;  // the client's own leading arguments (a backend, a variant)
  std::string host;
  std::uint16_t port = 0;
  std::int64_t connects = 0;
};

// Parses "<modes...> HOST PORT CONNECTS" with exactly `modes` leading arguments.
// Errors: std::invalid_argument (with `usage`) for anything else.
EchoArgs parse_echo_args(int argc, char** argv, std::string_view usage, int modes);

// The line request `i` sends (with its "\n"); the server must send it back unchanged.
std::string echo_line(std::int64_t i);

// Microseconds per request from a total in seconds.
double per_request_us(double seconds, std::int64_t requests);

}  // namespace ae::bench
