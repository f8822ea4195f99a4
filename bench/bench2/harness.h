// AnyEvent's bench2 (the "large server" and "small server" simulations) as a skeleton that each
// implementation fills in.
//
// Each "server" is a socketpair, an io watcher waiting for input on one end, and a timeout timer
// (3600 s) that is reset on activity and never fires. A request reads the one-byte token from the
// server's end, writes it to the other end of a random other server (so that one becomes
// readable), and resets the reading server's timeout, as eg/bench2 does. `active` tokens
// circulate; the loop runs for a fixed time. The program reports create (microseconds per
// server: the socketpair plus both watchers) and request (microseconds per request).
//
// Example:
//   class MyLoopServers final : public ae::bench::Servers { ... };
//   MyLoopServers impl;
//   ae::bench::run_bench2(impl, "myloop", 9990, 100, 1.0, "");
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "bench/common/measure.h"

namespace ae::bench {

class Servers;

// The request body every implementation shares, and the bookkeeping around it.
class Exchange {
 public:
  // Reads the token waiting at server `i` and passes it on. Returns false when there was none
  // (a spurious wakeup).
  bool forward(std::size_t i) noexcept;
  // Passes `token`, already read from server `i`, to the write end of a random other server.
  void pass(std::size_t i, char token) noexcept;
  // Records that a timeout fired, which must never happen (run_bench2 then fails).
  void timed_out() noexcept { ++timeouts_; }

  std::size_t requests() const noexcept { return requests_; }
  std::size_t timeouts() const noexcept { return timeouts_; }

 private:
  friend void run_bench2(Servers&, std::string_view, std::size_t, std::size_t, double,
                         std::string_view);
  std::vector<int> read_fds_;
  std::vector<int> write_fds_;
  Rng rng_;
  std::size_t requests_ = 0;
  std::size_t timeouts_ = 0;
};

// The timeout every server has, reset by each of its requests.
inline constexpr double kTimeoutSeconds = 3600;

// One implementation of the servers.
class Servers {
 public:
  virtual ~Servers() = default;

  // Makes the watchers of server `i`: an io watcher for reading on `read_fd`, whose callback
  // calls exchange.forward(i) (or reads the token itself and calls exchange.pass) and then
  // resets server i's timeout to kTimeoutSeconds from now; and that timeout, whose callback
  // calls exchange.timed_out(). Servers are added in order, i = 0, 1, ...
  virtual void add_server(std::size_t i, int read_fd, Exchange& exchange) = 0;
  // Runs the loop for `seconds` (a timer of the loop's own stops it).
  virtual void run_for(double seconds) = 0;
};

// Creates `servers` socketpairs and their watchers through `impl`, injects `active` tokens at
// random servers, runs the loop for `seconds` (wall time), and prints the result line
// (bench/common/result.h) with fields name, sockets, active, create, request, requests, cpu and
// comment. create and request are CPU time (measure.h); cpu is the percentage of the run's wall
// time the process had the CPU (below 100: other load, or a loop that waited while tokens were
// ready to read, which would be a bug).
// Raises RLIMIT_NOFILE to its hard limit first.
// Errors: std::system_error when socketpair fails (the fd limit); std::runtime_error when a
// timeout fired or no request was served.
void run_bench2(Servers& impl, std::string_view name, std::size_t servers, std::size_t active,
                double seconds, std::string_view comment);

}  // namespace ae::bench
