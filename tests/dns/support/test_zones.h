// The zones the //dns tests serve from nsd, and the helpers to start it once per test binary and
// to run a test on each ae backend.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/loop.h"
#include "dns/options.h"
#include "tests/dns/support/nsd_server.h"

namespace ae::dns_test {

// example.test (every record type the tests look up), 2.0.192.in-addr.arpa and the ip6.arpa
// zone of 2001:db8::/64. Notable names:
//   www        A 192.0.2.10, A 192.0.2.11, AAAA 2001:db8::10 (TTL 300)
//   alias      CNAME chain1 -> CNAME chain2 -> CNAME www
//   mx         MX 20 mx2, 10 mx1, 30 mx3 at the apex
//   _sip._udp  SRV 10 60 5060 sip1, 10 20 5060 sip2, 20 0 5061 sip3
//   txt        TXT "hello world" "second string"
//   bigtxt     TXT of 4 x 250 octets (over 512: needs TCP without EDNS0)
//   hugetxt    TXT of 24 x 250 octets (over 4096: needs TCP even with EDNS0)
//   web        SRV _http._tcp: 0 0 8080 www, 1 0 8081 v6only; A 192.0.2.30
//   gone       SRV _http._tcp: 0 0 0 . (service not available); A 192.0.2.31
//   xn--bcher-kva (bücher)  A 192.0.2.60
std::vector<Zone> example_zones();
// bulk.test with n0 ... n<count-1> A 10.x.y.z (n<i> gets 10.0.0.0 + i).
Zone bulk_zone(int count);
// The big TXT strings: `count` strings of 250 octets.
std::vector<std::string> big_txt_strings(int count);

// The nsd serving example_zones() and bulk_zone(10000), started on first use and stopped at
// exit. Fails the current test when nsd cannot start.
NsdServer* shared_nsd();

// Options pointing at `server` only, with short timeouts.
dns::Options options_for(const SocketAddress& server);

// Sets an environment variable for its lifetime (restoring the old value).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// The backends every key test runs on.
std::vector<std::string> backend_names();

// A test fixture running on a fresh loop of the backend named by the parameter; at the end it
// checks that the test left no active watcher behind.
class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  BackendTest();
  ~BackendTest() override;
  void TearDown() override;
  Loop& loop() { return *loop_; }

 private:
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<Loop::Scope> scope_;
};

}  // namespace ae::dns_test
