// A resolver configured from a resolv.conf file re-reads it when the file changes.
#include <stdio.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dns/resolver.h"
#include "tests/dns/support/fake_server.h"
#include "tests/dns/support/lookup_waiter.h"
#include "tests/dns/support/test_zones.h"

namespace ae::dns_test {
namespace {

using Answer = std::optional<std::vector<std::uint8_t>>;

class ReloadTest : public BackendTest {
 protected:
  // Replaces the file atomically (a new inode), as package managers and resolvconf do.
  static void replace(const std::string& path, const SocketAddress& server) {
    std::string tmp = path + ".new";
    ASSERT_TRUE(write_file(tmp, "# generated\nnameserver " + server.to_string() + "\n"));
    ASSERT_EQ(::rename(tmp.c_str(), path.c_str()), 0);
  }

  static FakeServer::Handler answering(std::string ip) {
    return [ip](const dns::Message& q) -> Answer {
      return reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, ip, 300)});
    };
  }

  static std::vector<std::string> a(dns::Resolver& r, const std::string& name) {
    return texts(wait_for_lookup<std::vector<dns::Record>>([&](dns::Resolver::Callback cb) {
                   return r.a(name, std::move(cb));
                 }).value);
  }
};

TEST_P(ReloadTest, ChangedResolvConfIsReReadOnTheNextRequest) {
  FakeServer first(answering("192.0.2.1"));
  FakeServer second(answering("192.0.2.2"));
  std::string path = scratch_dir() + "/reload-" + GetParam() + ".conf";
  replace(path, first.address());
  dns::Options o = dns::Options::from_resolv_conf(path);
  o.resolv_conf_check_interval = Seconds(0);
  dns::Resolver r(o);
  EXPECT_EQ(a(r, "host.test"), std::vector<std::string>{"192.0.2.1"});
  replace(path, second.address());
  // The cached answer came from the old servers, so it goes too.
  EXPECT_EQ(a(r, "host.test"), std::vector<std::string>{"192.0.2.2"});
  EXPECT_EQ(r.options().servers, std::vector<SocketAddress>{second.address()});
  EXPECT_EQ(first.queries(), 1u);
  EXPECT_EQ(second.queries(), 1u);
}

TEST_P(ReloadTest, ChecksAreRateLimited) {
  FakeServer first(answering("192.0.2.1"));
  FakeServer second(answering("192.0.2.2"));
  std::string path = scratch_dir() + "/ratelimit-" + GetParam() + ".conf";
  replace(path, first.address());
  dns::Options o = dns::Options::from_resolv_conf(path);
  o.resolv_conf_check_interval = std::chrono::hours(1);
  o.cache_size = 0;
  dns::Resolver r(o);
  replace(path, second.address());
  EXPECT_EQ(a(r, "host.test"), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(second.queries(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReloadTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ae::dns_test
