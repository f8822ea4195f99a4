// A raw byte client for HTTP server tests: connects to 127.0.0.1:port with ae::Handle, sends
// exactly the bytes a test gives (malformed ones included), and collects everything the server
// sends until it closes.
//
// Example:
//   RawClient c(server->port());
//   c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
//   ASSERT_TRUE(c.wait_for("\r\n\r\n"));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "handle/handle.h"

namespace ae::http_test {

class RawClient {
 public:
  explicit RawClient(std::uint16_t port);
  void send(std::string_view bytes) { handle_.push_write(bytes); }
  // Runs the loop until the received bytes contain `text` (true) or the connection closed or
  // 10 s passed (false).
  bool wait_for(std::string_view text);
  // Runs the loop until `n` responses' heads arrived... or text appears `n` times.
  bool wait_count(std::string_view text, std::size_t n);
  // Runs the loop until the server closed the connection.
  bool wait_closed();
  // Resets the connection (RST) at once.
  void reset();
  const std::string& received() const { return received_; }
  bool closed() const { return closed_; }

 private:
  Handle handle_;
  std::string received_;
  bool closed_ = false;
};

// Occurrences of `part` in `text`.
std::size_t count(std::string_view text, std::string_view part);

}  // namespace ae::http_test
