// What both UDP echo servers of the benchmark share: the load client, which runs on a thread of
// the server's process, and the result line.
//
// The client is a plain blocking socket connected to the server on 127.0.0.1. It keeps `window`
// datagrams of `size` bytes in flight: every echo that comes back sends the next one, until
// `echoes` came back. A datagram lost on the way (a full socket buffer) is noticed by a receive
// timeout, and the window is sent again; `resent` counts those.
//
// Example:
//   ae::bench::UdpLoad load = ae::bench::parse_udp_load(argc, argv, "udp_echo_libuv", 0);
//   ae::bench::UdpLoadClient client(port, load, [&] { /* wake the server's loop */ });
//   ... run the server's loop until woken ...
//   ae::bench::print_udp_result("libuv", load, client.join(), server_cpu_seconds);
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ae::bench {

struct UdpLoad {
  std::vector<std::string> modes;  // the server's own leading arguments (a backend)
  std::int64_t echoes = 0;
  std::int64_t window = 0;
  std::int64_t size = 0;
};

// Parses "<modes...> ECHOES WINDOW SIZE" with exactly `modes` leading arguments.
// Errors: std::invalid_argument (with `usage`) for anything else.
UdpLoad parse_udp_load(int argc, char** argv, std::string_view usage, int modes);

struct UdpLoadResult {
  double seconds = 0;       // wall time from the first send to the last echo
  std::int64_t resent = 0;  // datagrams sent again after a receive timeout
  std::string error;        // why the client stopped early, or ""
};

// The client thread: starts at once; `done` runs on the client's thread when it finished.
class UdpLoadClient {
 public:
  UdpLoadClient(std::uint16_t port, const UdpLoad& load, std::function<void()> done);
  ~UdpLoadClient();
  UdpLoadClient(const UdpLoadClient&) = delete;
  UdpLoadClient& operator=(const UdpLoadClient&) = delete;

  // Waits for the thread and returns what it measured.
  UdpLoadResult join();

 private:
  UdpLoadResult result_;
  std::thread thread_;
};

// CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID): the server loop's own cost.
double thread_cpu_seconds() noexcept;

// Prints the result line: name, echoes, rate (echoes per second), wall and cpu (the server
// thread's) microseconds per echo, resent, comment.
// Errors: std::runtime_error with the client's error when it failed.
void print_udp_result(std::string_view name, const UdpLoad& load, const UdpLoadResult& result,
                      double server_cpu_seconds, std::string_view comment);

}  // namespace ae::bench
