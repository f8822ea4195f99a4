// Test support for //socket: small blocking helpers around raw sockets, and a tcp_connect that
// waits for its outcome.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <system_error>

#include "core/connector.h"
#include "core/socket_address.h"

namespace ae::socket_test {

// The loopback address of `family` (AF_INET or AF_INET6) as text.
std::string loopback(int family);

// Reads what arrives on `fd` within 5 s, up to `max` bytes ("" on EOF or timeout).
std::string read_some(int fd, std::size_t max = 4096);

// Writes all of `data` to `fd`; false on error.
bool write_all(int fd, std::string_view data);

// True when `fd` is open, non-blocking and close-on-exec.
bool nonblocking_cloexec(int fd);

// True when `fd` is not an open descriptor.
bool is_closed(int fd);

// A socket of `family` bound to `address` (port 0: any) and not listening, so that connecting to
// its port is refused while it lives. Returns the fd; the address it got is stored in `bound`.
int bind_without_listening(const SocketAddress& address, SocketAddress* bound);

// The result of a tcp_connect, with how long it took.
struct Outcome {
  std::error_code ec;
  int fd = -1;
  SocketAddress peer;
  std::string error;  // Connection::error
  double seconds = 0;
  bool called_inside = false;  // the callback ran inside tcp_connect (a bug)
};

// Runs tcp_connect(host, service, ..., prepare) on the current loop and waits up to
// `limit` for its first outcome (a gtest failure when there is none).
Outcome connect_and_wait(const std::string& host, const std::string& service,
                         PrepareCallback prepare = nullptr,
                         std::chrono::duration<double> limit = std::chrono::seconds(10));

}  // namespace ae::socket_test
