// How tests get ports, without racing other tests that run at the same time.
//
// 1. Every test binary runs in a network namespace of its own when the machine allows it
//    (tests/support/main.cc calls isolate_network()): its loopback interface is private, so no
//    other suite can take a port this test picked. Where that is not allowed (no CAP_SYS_ADMIN),
//    the rules below still hold:
// 2. A server in the test itself binds port 0 and reads back the port it got (tcp_server with
//    service "0", or bind + getsockname).
// 3. An external server that must be told its port (nginx, dnsmasq, nsd, aiosmtpd, openssl
//    s_server, socat) is started by start_on_free_port(): it is given a port free a moment ago,
//    and is up only once its own process group holds a socket on that port. When it lost the port
//    to someone else (it exits, typically "Address already in use", or never gets there), it is
//    started again on another port.
// 4. A port that must refuse connections is held by a RefusingPort (bound, never listening), so
//    nobody else can start listening on it while the test relies on the refusal.
//
// Example:
//   ae::testing::PortServer nginx = ae::testing::start_on_free_port([&](std::uint16_t port) {
//     write_file(conf, nginx_conf(port));
//     return std::vector<std::string>{"nginx", "-p", dir, "-c", conf, "-g", "daemon off;"};
//   });
//   run({example("http_get"), "http://127.0.0.1:" + std::to_string(nginx.port) + "/"});
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace ae::testing {

// Moves this process (the calling thread, and all it starts later) into a new network namespace
// with its loopback interface up. Call it first thing in main(), before threads exist. Returns
// false, changing nothing, when the machine does not allow it or AE_TEST_SHARED_NETWORK is set.
bool isolate_network();
// True when isolate_network() succeeded in this process.
bool network_isolated() noexcept;

// Which sockets show that a server is up on its port.
enum PortProtocol : unsigned { kTcp = 1, kUdp = 2 };

struct PortServerOptions {
  unsigned protocols = kTcp;    // a listening TCP socket (kTcp), a bound UDP socket (kUdp), or both
  Seconds timeout = kPatience;  // per attempt, until the sockets exist
  int attempts = 5;             // ports tried before giving up
  ProcessOptions process{};     // stdin and environment of the server
};

// A running server and the port it serves on.
struct PortServer {
  std::unique_ptr<Process> process;
  std::uint16_t port = 0;
};

// Starts the server that `command(port)` describes (it may also write config files naming the
// port) on a loopback port free a moment ago, and runs the loop until the server's process group
// holds the sockets `options.protocols` asks for on 127.0.0.1 or ::1 at that port. A server that
// exits first, or does not get there within the timeout, is stopped and started on a new port.
// Errors: std::runtime_error, with the last attempt's output, when no attempt succeeded.
PortServer start_on_free_port(const std::function<std::vector<std::string>(std::uint16_t)>& command,
                              PortServerOptions options = {});

// A loopback port nothing listened on a moment ago, free for TCP and UDP on 127.0.0.1 (bound,
// then closed). Only for a peer that cannot take part in start_on_free_port(); prefer port 0.
std::uint16_t free_port();

// A TCP port on `ip` (127.0.0.1 or ::1) that refuses connections while this object lives: a
// socket is bound to it but never listens, so connects get a reset and nobody else can listen on
// it meanwhile. Errors: std::runtime_error when no socket can be bound.
class RefusingPort {
 public:
  explicit RefusingPort(const std::string& ip = "127.0.0.1");
  ~RefusingPort();
  RefusingPort(RefusingPort&& other) noexcept;
  RefusingPort& operator=(RefusingPort&&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // "127.0.0.1:PORT" or "[::1]:PORT".
  std::string hostport() const;

 private:
  std::string ip_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// True when `pgid`'s process group holds a socket bound to `port` of the given protocol on any
// local address (for TCP: listening). Reads /proc.
bool group_holds_port(int pgid, std::uint16_t port, PortProtocol protocol);

}  // namespace ae::testing
