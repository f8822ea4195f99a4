// Plain socket helpers for tests: connected pairs and a blocking listener. (Ports: ports.h.)
//
// Example:
//   auto [client, server] = ae::testing::tcp_pair();   // both blocking, close-on-exec
//
// Errors: std::runtime_error (with errno's text) when a system call fails.
#pragma once

#include <utility>

namespace ae::testing {

// A connected AF_UNIX stream socketpair.
std::pair<int, int> unix_pair();
// A connected TCP pair on 127.0.0.1: {client, accepted server side}.
std::pair<int, int> tcp_pair();
// True when a blocking connect to 127.0.0.1:port succeeds.
bool connects(int port);

// A listening TCP socket on 127.0.0.1 with a free port; closed with the object.
struct Listener {
  Listener();
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int accept_one();  // blocking
  int fd = -1;
  int port = 0;
};

}  // namespace ae::testing
