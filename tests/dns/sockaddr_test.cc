// resolve_sockaddr (core's ae::Resolver) through //dns, against nsd, and the per-loop defaults.
#include <sys/un.h>

#include <new>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/backend.h"
#include "core/condvar.h"
#include "core/resolver.h"
#include "dns/resolver.h"
#include "tests/dns/support/fake_server.h"
#include "tests/dns/support/lookup_waiter.h"
#include "tests/dns/support/test_zones.h"

namespace ae::dns_test {
namespace {

using namespace std::chrono_literals;
using Addresses = Outcome<std::vector<SocketAddress>>;

std::vector<std::string> strings(const std::vector<SocketAddress>& addrs) {
  std::vector<std::string> out;
  for (const SocketAddress& a : addrs) out.push_back(a.to_string());
  return out;
}

Addresses lookup_sockaddr(ae::Resolver& r, std::string host, std::string service, int family = 0) {
  ResolveOptions o;
  o.family = family;
  return wait_for_lookup<std::vector<SocketAddress>>(
      [&](ResolveCallback cb) { return ae::resolve_sockaddr(r, host, service, o, std::move(cb)); });
}

class SockaddrTest : public BackendTest {
 protected:
  void SetUp() override {
    nsd_ = shared_nsd();
    ASSERT_NE(nsd_, nullptr);
  }
  NsdServer* nsd_ = nullptr;
};

TEST_P(SockaddrTest, NumericHostsAndLocalhostNeedNoDns) {
  dns::Resolver r(options_for(closed_port()));
  EXPECT_EQ(strings(lookup_sockaddr(r, "127.0.0.1", "80").value),
            std::vector<std::string>{"127.0.0.1:80"});
  EXPECT_EQ(strings(lookup_sockaddr(r, "::1", "8080").value),
            std::vector<std::string>{"[::1]:8080"});
  EXPECT_EQ(strings(lookup_sockaddr(r, "LocalHost", "http").value),
            (std::vector<std::string>{"127.0.0.1:80", "[::1]:80"}));
  EXPECT_EQ(strings(lookup_sockaddr(r, "localhost", "http=8081").value),
            (std::vector<std::string>{"127.0.0.1:8081", "[::1]:8081"}));
  EXPECT_EQ(r.stats().queries_sent, 0u);
}

TEST_P(SockaddrTest, AddressesComeInProtocolPreferenceOrder) {
  dns::Resolver r(options_for(nsd_->v4()));
  Addresses got = lookup_sockaddr(r, "www.example.test", "80");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(strings(got.value),
            (std::vector<std::string>{"192.0.2.10:80", "192.0.2.11:80", "[2001:db8::10]:80"}));
  {
    ScopedEnv v6_first("AE_PROTOCOLS", "ipv6,ipv4");
    EXPECT_EQ(strings(lookup_sockaddr(r, "www.example.test", "80").value),
              (std::vector<std::string>{"[2001:db8::10]:80", "192.0.2.10:80", "192.0.2.11:80"}));
  }
  EXPECT_EQ(strings(lookup_sockaddr(r, "www.example.test", "80", 4).value),
            (std::vector<std::string>{"192.0.2.10:80", "192.0.2.11:80"}));
  EXPECT_EQ(strings(lookup_sockaddr(r, "www.example.test", "80", 6).value),
            (std::vector<std::string>{"[2001:db8::10]:80"}));
  ScopedEnv v4_only("AE_PROTOCOLS", "ipv4");
  EXPECT_EQ(lookup_sockaddr(r, "www.example.test", "80", 6).ec, ResolveError::kFamilyDisabled);
  EXPECT_EQ(strings(lookup_sockaddr(r, "www.example.test", "80").value),
            (std::vector<std::string>{"192.0.2.10:80", "192.0.2.11:80"}));
}

TEST_P(SockaddrTest, SrvRecordsGiveTheTargetsAndPorts) {
  dns::Resolver r(options_for(nsd_->v4()));
  Addresses got = lookup_sockaddr(r, "web.example.test", "http");
  ASSERT_FALSE(got.ec) << got.ec.message();
  // Family preference first, then SRV order (priority 0: www:8080, priority 1: v6only:8081).
  EXPECT_EQ(strings(got.value),
            (std::vector<std::string>{"192.0.2.10:8080", "192.0.2.11:8080", "[2001:db8::10]:8080",
                                      "[2001:db8::20]:8081"}));
  // A numeric service means no SRV lookup.
  EXPECT_EQ(strings(lookup_sockaddr(r, "web.example.test", "80").value),
            std::vector<std::string>{"192.0.2.30:80"});
}

TEST_P(SockaddrTest, WithoutSrvRecordsTheFallbackPortIsUsed) {
  dns::Resolver r(options_for(nsd_->v4()));
  EXPECT_EQ(strings(lookup_sockaddr(r, "v4only.example.test", "http=8888").value),
            std::vector<std::string>{"192.0.2.20:8888"});
  EXPECT_EQ(strings(lookup_sockaddr(r, "v4only.example.test", "http").value),
            std::vector<std::string>{"192.0.2.20:80"});
}

TEST_P(SockaddrTest, SrvTargetDotMeansTheServiceIsNotAvailable) {
  dns::Resolver r(options_for(nsd_->v4()));
  Addresses got = lookup_sockaddr(r, "gone.example.test", "http");
  EXPECT_EQ(got.ec, ResolveError::kNoData);
  EXPECT_TRUE(got.value.empty());
}

TEST_P(SockaddrTest, HostsFileFillsInOnlyWhereDnsHasNothing) {
  std::string hosts = scratch_dir() + "/hosts-" + GetParam();
  ASSERT_TRUE(write_file(hosts,
                         "192.0.2.200 hostsonly.example.test\n"
                         "192.0.2.201 www.example.test\n"
                         "2001:db8::99 v4only.example.test\n"));
  ScopedEnv env("AE_HOSTS", hosts);
  dns::Resolver r(options_for(nsd_->v4()));
  EXPECT_EQ(strings(lookup_sockaddr(r, "hostsonly.example.test", "80").value),
            std::vector<std::string>{"192.0.2.200:80"});
  EXPECT_EQ(strings(lookup_sockaddr(r, "www.example.test", "80").value),
            (std::vector<std::string>{"192.0.2.10:80", "192.0.2.11:80", "[2001:db8::10]:80"}));
  EXPECT_EQ(strings(lookup_sockaddr(r, "v4only.example.test", "80").value),
            (std::vector<std::string>{"192.0.2.20:80", "[2001:db8::99]:80"}));
}

TEST_P(SockaddrTest, FailuresBecomeResolveErrors) {
  dns::Resolver r(options_for(nsd_->v4()));
  EXPECT_EQ(lookup_sockaddr(r, "nonexistent.example.test", "80").ec, ResolveError::kHostNotFound);
  EXPECT_EQ(lookup_sockaddr(r, "www.example.test", "no-such-service").ec,
            ResolveError::kUnknownService);
  EXPECT_EQ(lookup_sockaddr(r, "www.example.test", "http=99999").ec, ResolveError::kBadName);
  EXPECT_EQ(lookup_sockaddr(r, "a..b", "80").ec, ResolveError::kBadName);
  EXPECT_EQ(lookup_sockaddr(r, "v4only.example.test", "80", 6).ec, ResolveError::kNoData);

  FakeServer silent([](const dns::Message&) { return std::optional<std::vector<std::uint8_t>>(); });
  dns::Options o = options_for(silent.address());
  o.timeouts = {0.2};
  dns::Resolver slow(o);
  EXPECT_EQ(lookup_sockaddr(slow, "host.test", "80").ec, ResolveError::kTimedOut);
}

TEST_P(SockaddrTest, UnixPathsNeedNoLookup) {
  dns::Resolver r(options_for(closed_port()));
  Addresses got = lookup_sockaddr(r, "unix/", "/tmp/some.sock");
  ASSERT_FALSE(got.ec) << got.ec.message();
  ASSERT_EQ(got.value.size(), 1u);
  EXPECT_EQ(got.value[0].family(), AF_UNIX);
  EXPECT_EQ(lookup_sockaddr(r, "unix/", "relative.sock").ec, ResolveError::kBadName);
}

TEST_P(SockaddrTest, UnicodeNamesAreLookedUpAsPunycode) {
  dns::Resolver r(options_for(nsd_->v4()));
  Addresses got = lookup_sockaddr(r, "BÜCHER.example.test", "80", 4);
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(strings(got.value), std::vector<std::string>{"192.0.2.60:80"});
  EXPECT_EQ(lookup_sockaddr(r, "bad\xC3.example.test", "80").ec, ResolveError::kBadName);
}

TEST_P(SockaddrTest, CancelledLookupNeverCallsBack) {
  dns::Resolver r(options_for(nsd_->v4()));
  bool called = false;
  Guard g =
      ae::resolve_sockaddr(r, "web.example.test", "http", {},
                           [&](std::error_code, std::vector<SocketAddress>) { called = true; });
  g.reset();
  Guard numeric = ae::resolve_sockaddr(
      r, "127.0.0.1", "1", {}, [&](std::error_code, std::vector<SocketAddress>) { called = true; });
  numeric.reset();
  // Lookups started later finish after the cancelled ones would have.
  EXPECT_FALSE(lookup_sockaddr(r, "web.example.test", "http").ec);
  EXPECT_FALSE(called);
}

INSTANTIATE_TEST_SUITE_P(Backends, SockaddrTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

// ---- The process default -------------------------------------------------------------------

class DefaultResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nsd_ = shared_nsd();
    ASSERT_NE(nsd_, nullptr);
    conf_ = scratch_dir() + "/default-resolv.conf";
    ASSERT_TRUE(write_file(
        conf_, "nameserver 127.0.0.1:" + std::to_string(nsd_->port()) + "\nsearch example.test\n"));
    env_ = std::make_unique<ScopedEnv>("AE_RESOLV_CONF", conf_);
  }
  NsdServer* nsd_ = nullptr;
  std::string conf_;
  std::unique_ptr<ScopedEnv> env_;
};

TEST_F(DefaultResolverTest, LinkingDnsInstallsItAsCoresDefault) {
  Loop loop;
  Loop::Scope scope(loop);
  // A name only DNS knows: core's built-in resolver would fail with kNeedsDns.
  Addresses got = lookup_sockaddr(ae::default_resolver(), "v4only", "80");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(strings(got.value), std::vector<std::string>{"192.0.2.20:80"});
  EXPECT_EQ(dns::resolver().options().resolv_conf, conf_);
  EXPECT_EQ(dns::resolver().options().search, std::vector<std::string>{"example.test"});
}

TEST_F(DefaultResolverTest, EachLoopHasItsOwnDefault) {
  Loop a;
  Loop b;
  dns::Resolver* ra;
  dns::Resolver* rb;
  {
    Loop::Scope s(a);
    ra = &dns::resolver();
    EXPECT_EQ(&dns::resolver(), ra);
    EXPECT_EQ(&ra->loop(), &a);
  }
  {
    Loop::Scope s(b);
    rb = &dns::resolver();
    EXPECT_EQ(&rb->loop(), &b);
  }
  EXPECT_NE(ra, rb);
}

TEST_F(DefaultResolverTest, ThreadsResolveThroughTheDefaultAtTheSameTime) {
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([i, &results] {
      // asio only: libuv closes its fds behind TSan's back, so a uv loop ending in one thread
      // and a new fd in another read as a race under --config=tsan.
      Loop loop(make_backend("asio"));
      Loop::Scope scope(loop);
      for (int n = 0; n < 20; ++n) {
        CondVar<std::vector<SocketAddress>> cv;
        Guard g = ae::resolve_sockaddr(
            "www", std::to_string(1000 + n), {},
            [&](std::error_code, std::vector<SocketAddress> a) { cv.send(std::move(a)); });
        if (!cv.wait_for(10s)) return;
        results[i] = strings(cv.recv());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    EXPECT_EQ(
        r, (std::vector<std::string>{"192.0.2.10:1019", "192.0.2.11:1019", "[2001:db8::10]:1019"}));
  }
}

TEST_F(DefaultResolverTest, ADefaultWhoseLoopDiedWithWorkPendingIsReplaced) {
  // Two loops made one after the other at the same address, as a program that recreates its
  // loop may well get: the first dies while a query to a silent server is in flight.
  alignas(Loop) unsigned char storage[sizeof(Loop)];
  int silent_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ASSERT_EQ(::bind(silent_fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::getsockname(silent_fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  std::string silent_conf = scratch_dir() + "/silent-resolv.conf";
  ASSERT_TRUE(
      write_file(silent_conf, "nameserver 127.0.0.1:" + std::to_string(ntohs(sa.sin_port)) + "\n"));

  bool stale_called = false;
  {
    ScopedEnv env("AE_RESOLV_CONF", silent_conf);
    Loop* first = new (storage) Loop();
    {
      Loop::Scope s(*first);
      Guard g = dns::resolver().a(
          "x.test", [&](std::error_code, std::vector<dns::Record>) { stale_called = true; });
      g.dismiss();
      first->run_once(false);
    }
    first->~Loop();
  }
  Loop* second = new (storage) Loop();
  {
    Loop::Scope s(*second);
    dns::Resolver& r = dns::resolver();
    EXPECT_EQ(r.options().resolv_conf, conf_);  // made afresh from today's environment
    Records got = wait_for_lookup<std::vector<dns::Record>>(
        [&](dns::Resolver::Callback cb) { return r.a("v4only", std::move(cb)); });
    EXPECT_FALSE(got.ec) << got.ec.message();
  }
  second->~Loop();
  // An idle default survives its loop and works again on the next one at that address.
  Loop* third = new (storage) Loop();
  {
    Loop::Scope s(*third);
    Records got = wait_for_lookup<std::vector<dns::Record>>([&](dns::Resolver::Callback cb) {
      return dns::resolver().a("v6only.example.test", std::move(cb));
    });
    EXPECT_EQ(got.ec, dns::Error::kNoData);
  }
  third->~Loop();
  EXPECT_FALSE(stale_called);
  ::close(silent_fd);
}

}  // namespace
}  // namespace ae::dns_test
