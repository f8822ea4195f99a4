// Helpers for the //tls tests: openssl s_server / s_client as real peers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/loop.h"
#include "tests/support/loop.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/run_until.h"
#include "tests/support/sockets.h"
#include "tests/tls/support/pki.h"

namespace ae::testing {

// `openssl s_server` on 127.0.0.1 with `args` after -accept, started by start_on_free_port().
class OpensslServer {
 public:
  explicit OpensslServer(std::vector<std::string> args);
  int port() const { return server_.port; }
  Process& process() { return *server_.process; }
  std::string port_string() const { return std::to_string(server_.port); }

 private:
  PortServer server_;
};

// `openssl s_client -connect 127.0.0.1:port` with `args`.
std::unique_ptr<Process> openssl_client(int port, std::vector<std::string> args);

}  // namespace ae::testing
