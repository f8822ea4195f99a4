// Helpers for the //tls tests: a loop fixture over the main backends, connected socket pairs,
// waiting with a deadline, and openssl s_server / s_client as real peers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/loop.h"
#include "tests/support/backends.h"
#include "tests/support/sockets.h"
#include "tests/tls/support/pki.h"
#include "tests/tls/support/process.h"

namespace ae::testing {

// Runs the current loop until pred() holds or `seconds` passed; returns pred().
bool run_until(const std::function<bool()>& pred, double seconds = 10);

// Runs the loop until a TCP connect to 127.0.0.1:port succeeds (the probe is closed at once), or
// `alive` returns false, or `seconds` passed. Returns whether it connected.
bool wait_connectable(int port, const std::function<bool()>& alive, double seconds = 10);

// `openssl s_server` on 127.0.0.1 with `args` after -accept: a free port is picked (and picked
// again if the server could not bind it), and readiness is a successful connect.
class OpensslServer {
 public:
  explicit OpensslServer(std::vector<std::string> args);
  int port() const { return port_; }
  Process& process() { return *process_; }
  std::string port_string() const { return std::to_string(port_); }

 private:
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// `openssl s_client -connect 127.0.0.1:port` with `args`.
std::unique_ptr<Process> openssl_client(int port, std::vector<std::string> args);

// A loop on the parameter's backend, current for the test; at the end no watcher may be left.
class TlsLoopTest : public ::testing::TestWithParam<BackendVariant> {
 protected:
  void SetUp() override;
  void TearDown() override;
  Loop& loop() { return test_loop_->loop(); }

 private:
  std::unique_ptr<TestLoop> test_loop_;
  std::unique_ptr<Loop::Scope> scope_;
};

}  // namespace ae::testing
