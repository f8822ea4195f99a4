// A TCP server inside the test process that plays a peer for the client programs, including
// peers that misbehave on purpose (stall, reset, send garbage or too much).
//
// Example:
//   ae::examples_test::FakeServer http([](ae::Handle& h) {
//     h.push_write("HTTP/1.0 200 OK\r\n\r\nhello");
//     h.push_shutdown();
//   });
//   ae::examples_test::Outcome r = ae::examples_test::run(
//       {ae::examples_test::example("http_get"), http.url("/")});
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <string_view>

#include "handle/handle.h"
#include "socket/server.h"

namespace ae::examples_test {

class FakeServer {
 public:
  // Runs `script` on each accepted connection (from the loop). The Handle's on_error and on_eof
  // only record the end (script may replace them); it stays alive until the FakeServer goes.
  using Script = std::function<void(Handle&)>;
  explicit FakeServer(Script script);

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url(std::string_view path) const { return "http://" + address() + std::string(path); }
  // Connections accepted so far, and how many of them the client has closed.
  int accepted() const { return accepted_; }
  int closed() const { return closed_; }

  // Closes every connection with a TCP reset (SO_LINGER 0).
  void reset_all();

 private:
  Script script_;
  TcpServer server_;
  std::list<Handle> handles_;
  std::uint16_t port_ = 0;
  int accepted_ = 0;
  int closed_ = 0;
};

}  // namespace ae::examples_test
