// ae::testing::Dnsmasq: dnsmasq on loopback, a real DNS server for tests. It answers only from
// its command line (no upstream servers, no hosts file, NXDOMAIN for *.invalid), and a
// resolv.conf names it, so a program pointed there (AE_RESOLV_CONF) never asks a server off this
// machine.
//
// Example:
//   Dnsmasq dns({"--host-record=www.test,192.0.2.1", "--cname=alias.test,www.test"});
//   ae::testing::ScopedEnv conf("AE_RESOLV_CONF", dns.resolv_conf);
//   run({example("ae-dig"), "alias.test", dns.at()});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/ports.h"

namespace ae::testing {

class Dnsmasq {
 public:
  // Starts dnsmasq with `records` (its own options: --host-record, --cname, --address, ...) on a
  // free port, and waits until it answers on UDP and TCP. `resolv_conf_extra` is appended to the
  // resolv.conf (a "search" line, say). Errors: std::runtime_error when it does not start.
  explicit Dnsmasq(std::vector<std::string> records, const std::string& resolv_conf_extra = "");

  std::uint16_t port() const { return server_.port; }
  // "@127.0.0.1:PORT", as ae-dig takes a server.
  std::string at() const { return "@127.0.0.1:" + std::to_string(server_.port); }
  std::string resolv_conf;  // the file's path

 private:
  PortServer server_;
};

}  // namespace ae::testing
