// Helpers for the Handle tests: connected fd pairs, a raw peer driven by the loop, waiting with
// a deadline, and a Connector of our own for connect tests.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/connector.h"
#include "core/loop.h"
#include "tests/support/loop.h"
#include "tests/support/ports.h"
#include "tests/support/run_until.h"
#include "tests/support/sockets.h"

namespace ae::testing {

// The far end of a Handle's fd: non-blocking, reads whatever arrives into received() while the
// loop runs, writes synchronously (the data in tests fits the kernel buffers, or the caller says
// otherwise).
class RawPeer {
 public:
  explicit RawPeer(int fd);
  ~RawPeer();
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  int fd() const { return fd_; }
  const std::string& received() const { return received_; }
  bool eof() const { return eof_; }
  void clear() { received_.clear(); }
  // Stops and restarts taking what arrives (a peer that does not read its replies).
  void pause_reading() { reader_.stop(); }
  void resume_reading() { reader_.start(); }

  // Writes all of `data` (waiting for the fd with poll when the kernel buffer is full).
  void write(std::string_view data);
  // Queues `data` and writes it as the fd becomes writable while the loop runs, for data larger
  // than the kernel buffers or a Handle that may stop reading. unsent() is what is still queued.
  void send_later(std::string data);
  std::size_t unsent() const { return outgoing_.size() - sent_; }
  // Waits until `n` bytes (in total) arrived / end-of-file.
  bool wait_bytes(std::size_t n, double seconds = 5);
  bool wait_eof(double seconds = 5);
  void shutdown_write();
  // Closes with a TCP reset (SO_LINGER 0).
  void reset();
  void close();

 private:
  int fd_;
  std::string received_;
  bool eof_ = false;
  Io reader_;
  std::string outgoing_;
  std::size_t sent_ = 0;
  Io writer_;
};

// A Connector for tests: `host` is a comma-separated list of numeric addresses and `service` a
// comma-separated list of ports, paired up ("127.0.0.1,127.0.0.1" / "4001,4002"); it tries them in
// order, with the prepare callback's timeout per attempt, like tcp_connect.
class TestConnector final : public Connector {
 public:
  Guard connect(std::string_view host, std::string_view service, ConnectCallback cb,
                PrepareCallback prepare) override;
  int attempts = 0;
};

// Installs a TestConnector as the default for the fixture's lifetime.
class ScopedTestConnector {
 public:
  ScopedTestConnector();
  ~ScopedTestConnector();
  TestConnector& connector() { return *connector_; }

 private:
  std::shared_ptr<TestConnector> connector_;
};

}  // namespace ae::testing
