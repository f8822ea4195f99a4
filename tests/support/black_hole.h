// A loopback address that silently drops connection attempts, made on this machine.
//
// A listener with backlog 0 whose accept queue is filled (and never accepted from) makes the
// kernel drop every further SYN, so a connect(2) to it stays pending until its timeout, just like
// one to a filtered address somewhere on the network. No traffic leaves the loopback interface.
//
// Example:
//   ae::testing::BlackHole hole;                              // on 127.0.0.1, any free port
//   auto v6 = ae::testing::BlackHole::make("::1");            // std::optional
//   run({example("http_get"), "--connect-timeout", "0.3", "http://" + hole.hostport() + "/"});
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/socket_address.h"

namespace ae::testing {

class BlackHole {
 public:
  // A black hole on 127.0.0.1. Errors: std::runtime_error when it cannot be made.
  BlackHole();
  // A black hole on `ip` (e.g. "127.0.0.2", "::1") at `port` (0: any free one); std::nullopt,
  // with a gtest failure saying why, when it cannot be made.
  static std::optional<BlackHole> make(const std::string& ip, std::uint16_t port = 0);

  BlackHole(BlackHole&& other) noexcept;
  BlackHole& operator=(BlackHole&& other) noexcept;
  ~BlackHole();

  std::uint16_t port() const noexcept { return address_.port(); }
  const SocketAddress& address() const noexcept { return address_; }
  // "127.0.0.1:PORT" or "[::1]:PORT".
  std::string hostport() const { return address_.to_string(); }

 private:
  struct Unmade {};
  explicit BlackHole(Unmade) noexcept {}
  // Makes the hole on `at`; returns why not, or "" on success.
  std::string open(const SocketAddress& at);

  SocketAddress address_;
  std::vector<int> fds_;  // the listener, then the connections that fill its queue
};

}  // namespace ae::testing
