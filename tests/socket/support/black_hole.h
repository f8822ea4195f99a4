// A loopback address that silently drops connection attempts, made on this machine.
//
// A listener with backlog 0 accepts one connection into its queue; with that connection never
// accepted, the queue is full and the kernel drops every further SYN, so a connect(2) to it
// stays pending until its timeout, just like one to a filtered address. No traffic leaves the
// loopback interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/socket_address.h"

namespace ae::socket_test {

class BlackHole {
 public:
  // A black hole on `ip` (e.g. "127.0.0.2", "::1") at `port` (0: any free one). std::nullopt,
  // with a gtest failure saying why, when it cannot be made or does not drop SYNs.
  static std::optional<BlackHole> make(const std::string& ip, std::uint16_t port = 0);

  BlackHole(BlackHole&& other) noexcept;
  BlackHole& operator=(BlackHole&& other) noexcept;
  ~BlackHole();

  std::uint16_t port() const noexcept { return address_.port(); }
  const SocketAddress& address() const noexcept { return address_; }

 private:
  BlackHole() = default;
  SocketAddress address_;
  std::vector<int> fds_;  // the listener and the connections that fill its queue
};

}  // namespace ae::socket_test
