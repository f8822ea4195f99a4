// What every echo benchmark client shares: its command line, the line each request sends, and
// the measurement and result line.
//
// Example:
//   ae::bench::EchoArgs args = ae::bench::parse_echo_args(argc, argv, "echo_blocking", 0);
//   // args.host, args.port, args.connects
#pragma once

#include <cstdint>
#include <functional>
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

// Runs `requests` (which makes args.connects requests), timing it by the wall clock and by this
// process's CPU time, and prints the result line: name, connects, wall and cpu in microseconds
// per request, comment.
void measure_requests(const EchoArgs& args, std::string_view name, std::string_view comment,
                      const std::function<void()>& requests);

}  // namespace ae::bench
