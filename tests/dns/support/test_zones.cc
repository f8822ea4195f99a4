#include "tests/dns/support/test_zones.h"

#include <cstdlib>
#include <mutex>
#include <sstream>

#include "core/backend.h"

namespace ae::dns_test {

std::vector<std::string> big_txt_strings(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(std::string(250, static_cast<char>('a' + i % 26)));
  return out;
}

namespace {

std::string txt_rdata(const std::vector<std::string>& strings) {
  std::string out;
  for (const std::string& s : strings) out += " \"" + s + "\"";
  return out;
}

}  // namespace

std::vector<Zone> example_zones() {
  std::ostringstream z;
  z << "$ORIGIN example.test.\n"
       "$TTL 300\n"
       "@        IN SOA ns1 hostmaster 2024010101 3600 600 86400 60\n"
       "@        IN NS ns1\n"
       "@        IN MX 20 mx2\n"
       "@        IN MX 10 mx1\n"
       "@        IN MX 30 mx3\n"
       "ns1      IN A 127.0.0.1\n"
       "www      IN A 192.0.2.10\n"
       "www      IN A 192.0.2.11\n"
       "www      IN AAAA 2001:db8::10\n"
       "v4only   IN A 192.0.2.20\n"
       "v6only   IN AAAA 2001:db8::20\n"
       "alias    IN CNAME chain1\n"
       "chain1   IN CNAME chain2\n"
       "chain2   IN CNAME www\n"
       "dangling IN CNAME nowhere\n"
       "mx1      IN A 192.0.2.41\n"
       "mx2      IN A 192.0.2.42\n"
       "mx3      IN A 192.0.2.43\n"
       "_sip._udp IN SRV 10 60 5060 sip1\n"
       "_sip._udp IN SRV 10 20 5060 sip2\n"
       "_sip._udp IN SRV 20 0 5061 sip3\n"
       "sip1     IN A 192.0.2.51\n"
       "sip2     IN A 192.0.2.52\n"
       "sip3     IN A 192.0.2.53\n"
       "_http._tcp.web IN SRV 0 0 8080 www\n"
       "_http._tcp.web IN SRV 1 0 8081 v6only\n"
       "web      IN A 192.0.2.30\n"
       "_http._tcp.gone IN SRV 0 0 0 .\n"
       "gone     IN A 192.0.2.31\n"
       "txt      IN TXT \"hello world\" \"second string\"\n"
       "bigtxt   IN TXT"
    << txt_rdata(big_txt_strings(4)) << "\n"
    << "hugetxt  IN TXT" << txt_rdata(big_txt_strings(24)) << "\n"
    << "caa      IN CAA 0 issue \"letsencrypt.org\"\n"
       "nomatch  IN A 192.0.2.99\n"
       "xn--bcher-kva IN A 192.0.2.60\n";

  std::string reverse4 =
      "$ORIGIN 2.0.192.in-addr.arpa.\n"
      "$TTL 300\n"
      "@  IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60\n"
      "@  IN NS ns1.example.test.\n"
      "10 IN PTR www.example.test.\n"
      "10 IN PTR nomatch.example.test.\n"
      "50 IN PTR nomatch.example.test.\n";
  std::string reverse6 =
      "$ORIGIN 0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.\n"
      "$TTL 300\n"
      "@  IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60\n"
      "@  IN NS ns1.example.test.\n"
      "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR www.example.test.\n";
  return {{"example.test", z.str()},
          {"2.0.192.in-addr.arpa", reverse4},
          {"0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", reverse6}};
}

Zone bulk_zone(int count) {
  std::ostringstream z;
  z << "$ORIGIN bulk.test.\n$TTL 300\n"
       "@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n"
       "@ IN NS ns1\n"
       "ns1 IN A 127.0.0.1\n";
  for (int i = 0; i < count; ++i) {
    z << "n" << i << " IN A 10." << (i >> 16 & 255) << "." << (i >> 8 & 255) << "." << (i & 255)
      << "\n";
  }
  return {"bulk.test", z.str()};
}

NsdServer* shared_nsd() {
  static std::unique_ptr<NsdServer> server;
  static std::string error;
  static std::once_flag once;
  std::call_once(once, [] {
    std::vector<Zone> zones = example_zones();
    zones.push_back(bulk_zone(10000));
    server = NsdServer::start(zones, &error);
  });
  if (!server) ADD_FAILURE() << "cannot start nsd: " << error;
  return server.get();
}

dns::Options options_for(const SocketAddress& server) {
  dns::Options o;
  o.servers = {server};
  o.timeouts = {1.0, 2.0};
  return o;
}

ScopedEnv::ScopedEnv(const char* name, const std::string& value) : name_(name) {
  if (const char* old = std::getenv(name)) old_ = old;
  ::setenv(name, value.c_str(), 1);
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    ::setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

std::vector<std::string> backend_names() { return {"asio", "uv"}; }

BackendTest::BackendTest() {
  auto backend = make_backend(GetParam());
  if (!backend) throw std::runtime_error("backend not linked: " + GetParam());
  loop_ = std::make_unique<Loop>(std::move(backend));
  scope_ = std::make_unique<Loop::Scope>(*loop_);
}

BackendTest::~BackendTest() {
  scope_.reset();
  loop_.reset();
}

void BackendTest::TearDown() {
  // Let cancellations and deferred work finish, then nothing may be left watching.
  loop_->run_once(false);
  EXPECT_EQ(loop_->active_watchers(), 0u) << "the test left watchers behind";
}

}  // namespace ae::dns_test
