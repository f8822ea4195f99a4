// A plain blocking TCP client for talking to a server program under test: the server runs in its
// own process, so the test may block, but every read has a deadline (poll), never a sleep.
//
// Example:
//   ae::examples_test::TestClient c(server->port());
//   c.send("hello\n");
//   ASSERT_TRUE(c.read_until("hello\n"));
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ae::examples_test {

class TestClient {
 public:
  // Connects to 127.0.0.1:`port`. Errors: std::runtime_error when the connect fails.
  explicit TestClient(std::uint16_t port);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  int fd() const { return fd_; }
  // Everything received so far.
  const std::string& received() const { return received_; }
  void clear() { received_.clear(); }
  bool closed_by_peer() const { return eof_; }

  // Writes all of `data` (blocking); false on an error such as a reset.
  bool send(std::string_view data);
  // Reads until received() contains `text`; false at end-of-file, an error or the deadline.
  bool read_until(std::string_view text,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until received() holds at least `size` bytes.
  bool read_size(std::size_t size, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until the peer closes (end-of-file or reset) or the deadline; returns whether it did.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Half-closes (shutdown SHUT_WR).
  void shutdown_write();

 private:
  // One read with a deadline; false when nothing more can come (or the deadline passed).
  bool read_some(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string received_;
  bool eof_ = false;
};

}  // namespace ae::examples_test
