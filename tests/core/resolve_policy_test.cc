// core's resolve_sockaddr policy as one table: "unix/" paths, services and "name=port", numeric
// addresses, localhost, the hosts file, family filtering and preference order. The same source
// is built twice, with core's built-in resolver (resolve_policy_test) and with //dns linked as
// the default resolver (resolve_policy_dns_test, its server a loopback port that refuses), and
// each row must give the same answer in both.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "core/condvar.h"
#include "core/internal/services.h"
#include "core/loop.h"
#include "core/resolver.h"
#include "tests/support/env.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/ports.h"
#include "tests/support/run_until.h"

namespace ae {
namespace {

struct Row {
  std::string host;
  std::string service;
  int family = 0;
  std::optional<std::string> protocols;  // AE_PROTOCOLS
  std::vector<std::string> addresses;    // expected, in order
  std::error_code error;                 // expected
};

std::string describe(const Row& row) {
  return "resolve_sockaddr(\"" + row.host + "\", \"" + row.service + "\", family " +
         std::to_string(row.family) + ") with AE_PROTOCOLS=" + row.protocols.value_or("(unset)");
}

const std::vector<Row>& table() {
  using E = ResolveError;
  static const std::vector<Row> rows = {
      // "unix/": an absolute path only, and no family.
      {"unix/", "/tmp/s", 0, {}, {"unix/:/tmp/s"}, {}},
      {"unix/", "relative/s", 0, {}, {}, E::kBadName},
      {"unix/", "s", 0, {}, {}, E::kBadName},
      {"unix/", "", 0, {}, {}, E::kBadName},
      {"unix/", "/tmp/s", 4, {}, {}, E::kBadName},
      {"unix/", "/" + std::string(200, 'x'), 0, {}, {}, E::kBadName},
      // Services: numbers, names (the file, else the built-in table), "name=port".
      {"127.0.0.1", "80", 0, {}, {"127.0.0.1:80"}, {}},
      {"127.0.0.1", "http", 0, {}, {"127.0.0.1:80"}, {}},
      {"127.0.0.1", "https", 0, {}, {"127.0.0.1:443"}, {}},
      {"127.0.0.1", "nosuchsvc=8080", 0, {}, {"127.0.0.1:8080"}, {}},
      {"127.0.0.1", "http=8081", 0, {}, {"127.0.0.1:8081"}, {}},
      {"127.0.0.1", "nosuchsvc", 0, {}, {}, E::kUnknownService},
      {"127.0.0.1", "70000", 0, {}, {}, E::kBadName},
      {"127.0.0.1", "http=x", 0, {}, {}, E::kBadName},
      {"127.0.0.1", "=80", 0, {}, {}, E::kBadName},
      {"127.0.0.1", "", 0, {}, {}, E::kBadName},
      // Numeric addresses give themselves, when their family is wanted.
      {"::1", "8080", 0, {}, {"[::1]:8080"}, {}},
      {"::1", "8080", 4, {}, {}, E::kNoData},
      {"127.0.0.1", "1", 6, {}, {}, E::kNoData},
      // localhost: both families, by preference, without a lookup.
      {"localhost", "9", 0, {}, {"127.0.0.1:9", "[::1]:9"}, {}},
      {"LocalHost.", "9", 0, {}, {"127.0.0.1:9", "[::1]:9"}, {}},
      {"localhost", "9", 0, "ipv6,ipv4", {"[::1]:9", "127.0.0.1:9"}, {}},
      {"localhost", "9", 0, "ipv6", {"[::1]:9"}, {}},
      {"localhost", "9", 6, {}, {"[::1]:9"}, {}},
      {"localhost", "9", 4, "ipv6", {}, E::kFamilyDisabled},
      // The hosts file: case-insensitive, a trailing dot ignored, filtered and ordered.
      {"db.policy.test", "5432", 0, {}, {"10.1.2.3:5432", "[fd00::5]:5432"}, {}},
      {"DB.Policy.Test.", "5432", 0, {}, {"10.1.2.3:5432", "[fd00::5]:5432"}, {}},
      {"db.policy.test", "5432", 0, "ipv6,ipv4", {"[fd00::5]:5432", "10.1.2.3:5432"}, {}},
      {"db.policy.test", "5432", 6, {}, {"[fd00::5]:5432"}, {}},
      {"v4only.policy.test", "1", 6, {}, {}, E::kNoData},
      {"v4only.policy.test", "1", 0, "ipv6", {}, E::kNoData},
      {"v4only.policy.test", "http", 0, {}, {"10.9.9.9:80"}, {}},
  };
  return rows;
}

class ResolvePolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core_internal::set_services_file_for_test(testing::temp_root() + "/no-services-file");
    // With //dns linked: a server that is not there (a loopback port nobody serves), so every
    // name DNS is asked for fails fast and the policy's answer is all that is left.
    testing::write_file(conf_, "nameserver 127.0.0.1:" + std::to_string(testing::free_port()) +
                                   "\noptions timeout:1 attempts:1\n");
  }
  void TearDown() override { core_internal::set_services_file_for_test(""); }

  std::string conf_ = testing::temp_root() + "/resolv.conf";
  testing::ScopedEnv resolv_conf_{"AE_RESOLV_CONF", conf_};
  testing::ScopedHostsFile hosts_{
      "# the policy table's hosts\n10.1.2.3 db.policy.test\nfd00::5 DB.policy.test\n"
      "10.9.9.9 v4only.policy.test\n"};
  testing::ScopedEnv protocols_{"AE_PROTOCOLS", std::nullopt};
};

TEST_F(ResolvePolicyTest, EveryRowGivesItsAnswer) {
  for (const Row& row : table()) {
    std::optional<testing::ScopedEnv> protocols;
    if (row.protocols) protocols.emplace("AE_PROTOCOLS", *row.protocols);
    // A fresh loop per row: the DNS default resolver (a per-loop service) reads its
    // configuration when it is made.
    testing::TestLoop loop;
    std::optional<std::pair<std::error_code, std::vector<std::string>>> got;
    bool returned = false;
    Guard g = resolve_sockaddr(row.host, row.service, {.family = row.family},
                               [&](std::error_code ec, std::vector<SocketAddress> addrs) {
                                 EXPECT_TRUE(returned) << describe(row) << ": ran inside the call";
                                 std::vector<std::string> text;
                                 for (auto& a : addrs) text.push_back(a.to_string());
                                 got.emplace(ec, std::move(text));
                               });
    returned = true;
    ASSERT_TRUE(testing::run_until([&] { return got.has_value(); })) << describe(row);
    EXPECT_EQ(got->first, row.error) << describe(row) << ": " << got->first.message();
    EXPECT_EQ(got->second, row.addresses) << describe(row);
  }
}

}  // namespace
}  // namespace ae
