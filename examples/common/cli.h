// What every example program needs around its own logic: a small command-line parser with
// AnyEvent-style usage errors, the run loop of a server (listen, announce, stop on a signal), and
// text made safe for a terminal (printable.h). Private to //examples.
//
// Example (a server):
//   ae::examples::CommandLine cli("echo_server", kUsage);
//   cli.address("--listen", &host, &service);
//   cli.flag({"-q", "--quiet"}, &quiet);
//   if (auto status = cli.parse(argc, argv)) return *status;
//   return ae::examples::serve("echo_server", host, service,
//                              [&](int fd, const std::string& h, std::uint16_t p) { ... });
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "examples/common/printable.h"
#include "socket/server.h"

namespace ae::examples {

// Exit statuses shared by the examples.
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

class CommandLine {
 public:
  // `usage` is the whole --help text; its first line starts "usage: <program>".
  CommandLine(std::string_view program, std::string_view usage);

  // Options. Each name is a complete argument ("-q", "--quiet"); all but flag take a value.
  void flag(std::initializer_list<std::string_view> names, bool* target);
  // A number in [min, max] (seconds, counts); nothing else is accepted.
  void number(std::initializer_list<std::string_view> names, double* target, double min,
              double max);
  // A byte count or a count of things, at least `min`.
  void count(std::initializer_list<std::string_view> names, std::size_t* target,
             std::size_t min = 1);
  void text(std::initializer_list<std::string_view> names, std::string* target);
  // Repeatable: every occurrence is appended.
  void texts(std::initializer_list<std::string_view> names, std::vector<std::string>* target);
  // HOST:PORT as parse_endpoint reads it ("127.0.0.1:79", "[::1]:8080", "unix/:/path"); the
  // port may be 0 (any).
  void address(std::string_view name, std::string* host, std::string* service);

  // Everything that is not an option goes here; returning false rejects it (set *why).
  using Positional = std::function<bool(std::string_view arg, std::string* why)>;

  // Parses the command line. Returns nothing to go on, or the status to exit with: 0 after
  // printing the usage for -h/--help, kExitUsage after a usage error (said on stderr). An
  // argument that starts with '-' must be a known option, until "--" ends the options.
  std::optional<int> parse(int argc, char** argv, const Positional& positional = nullptr);

  // Prints "<program>: <why>" and the usage on stderr; returns kExitUsage.
  int usage_error(std::string_view why) const;

 private:
  struct Option {
    std::vector<std::string_view> names;
    bool takes_value;
    // Sets the target; false (with *why when there is more to say) for a bad value.
    std::function<bool(std::string_view value, std::string* why)> apply;
  };
  const Option* find(std::string_view arg) const;

  std::string program_;
  std::string usage_;
  std::vector<Option> options_;
};

// Reads HOST[:PORT] as the user typed it (parse_hostport; `default_service` when no port is
// given) into *host and *service. Returns what is wrong with it, or "" when nothing is: text
// that is not HOST[:PORT], no host, or a port that is neither a number in 1..65535 (0 too with
// `any_port`, a server's "pick a free one") nor a service name /etc/services knows (AnyEvent's
// "name=port" counts by its port). "unix/:PATH" is taken as it is.
std::string parse_endpoint(std::string_view text, std::string_view default_service, bool any_port,
                           std::string* host, std::string* service);

// A server's life: tcp_server(host, service, accept), the line "listening on HOST:PORT" on
// stdout once SIGINT and SIGTERM are watched (so whoever reads the line may stop the server),
// then the loop until one of those signals. Returns 0 after a signal, kExitFailure (said on
// stderr) when it cannot listen. `on_stop` runs after the signal, before returning. `backlog` is
// the listen(2) backlog (0: tcp_server's default, SOMAXCONN).
int serve(std::string_view program, const std::string& host, const std::string& service,
          AcceptCallback accept, const std::function<void()>& on_stop = nullptr, int backlog = 0);

// A number as the user would write it: 0.3, 10, 1e+06.
std::string format_number(double value);

}  // namespace ae::examples
