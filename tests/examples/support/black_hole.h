// A loopback address that never answers a connect: a listener whose accept queue is full, so
// the kernel drops further SYNs and a connect to it stays pending until the client gives up
// (what a filtered port somewhere on the network does, without sending anything off this
// machine).
//
// Example:
//   ae::examples_test::BlackHole hole;
//   run({example("http_get"), "--connect-timeout", "0.3", "http://" + hole.address() + "/"});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ae::examples_test {

class BlackHole {
 public:
  // Errors: std::runtime_error when the accept queue does not fill up.
  BlackHole();
  ~BlackHole();
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::uint16_t port_ = 0;
  std::vector<int> sockets_;  // the listener, then the connections that fill its queue
};

}  // namespace ae::examples_test
