// The built-in resolver: numeric addresses, localhost, the hosts file (AE_HOSTS), services,
// AE_PROTOCOLS ordering, and the clear error for names that need DNS.
#include "core/resolver.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/condvar.h"
#include "core/internal/hosts_file.h"
#include "core/internal/services.h"
#include "core/loop.h"

namespace ae {
namespace {

using namespace std::chrono_literals;
using Outcome = std::pair<std::error_code, std::vector<std::string>>;

Outcome resolve(std::string_view host, std::string_view service, int family = 0) {
  auto r = builtin_resolver();
  CondVar<Outcome> done;
  bool returned = false;
  Guard g = resolve_sockaddr(*r, host, service, {.family = family},
                             [&](std::error_code ec, std::vector<SocketAddress> addrs) {
                               EXPECT_TRUE(returned) << "ran inside the call";
                               std::vector<std::string> text;
                               for (auto& a : addrs) text.push_back(a.to_string());
                               done.send({ec, text});
                             });
  returned = true;
  EXPECT_TRUE(done.wait_for(5s));
  return done.recv();
}

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hosts_ = std::string(getenv("TEST_TMPDIR")) + "/hosts";
    std::ofstream(hosts_) << "# comment\n10.1.2.3 db.example DB2.example # trailing\n"
                             "fd00::5 db.example\n";
    setenv("AE_HOSTS", hosts_.c_str(), 1);
    unsetenv("AE_PROTOCOLS");
  }
  void TearDown() override {
    unsetenv("AE_HOSTS");
    unsetenv("AE_PROTOCOLS");
  }
  std::string hosts_;
};

TEST_F(ResolverTest, NumericAddressesNeedNoLookup) {
  EXPECT_EQ(resolve("127.0.0.1", "80").second, std::vector<std::string>{"127.0.0.1:80"});
  EXPECT_EQ(resolve("::1", "http").second, std::vector<std::string>{"[::1]:80"});
}

TEST_F(ResolverTest, LocalhostGivesBothFamiliesInPreferenceOrder) {
  EXPECT_EQ(resolve("localhost", "9").second, (std::vector<std::string>{"127.0.0.1:9", "[::1]:9"}));
  setenv("AE_PROTOCOLS", "ipv6,ipv4", 1);
  EXPECT_EQ(resolve("localhost", "9").second, (std::vector<std::string>{"[::1]:9", "127.0.0.1:9"}));
  setenv("AE_PROTOCOLS", "ipv6", 1);
  EXPECT_EQ(resolve("localhost", "9").second, std::vector<std::string>{"[::1]:9"});
}

TEST_F(ResolverTest, HostsFileNamesAreCaseInsensitiveAndFilteredByFamily) {
  EXPECT_EQ(resolve("DB.example", "5432").second,
            (std::vector<std::string>{"10.1.2.3:5432", "[fd00::5]:5432"}));
  EXPECT_EQ(resolve("db2.example", "1", 6).first, ResolveError::kNoData);
  EXPECT_EQ(resolve("db.example", "1", 6).second, std::vector<std::string>{"[fd00::5]:1"});
}

TEST_F(ResolverTest, HostsFileIsReReadWhenItChanges) {
  core_internal::set_hosts_file_check_interval_for_test(std::chrono::seconds(0));
  EXPECT_EQ(resolve("new.example", "1").first, ResolveError::kNeedsDns);
  std::ofstream(hosts_, std::ios::app) << "192.0.2.1 new.example\n";
  EXPECT_EQ(resolve("new.example", "1").second, std::vector<std::string>{"192.0.2.1:1"});
  core_internal::set_hosts_file_check_interval_for_test(std::chrono::seconds(1));
}

TEST_F(ResolverTest, HostsFileIsNotCheckedOnEveryLookup) {
  // Within the check interval a lookup costs no stat: a change shows only after it.
  core_internal::set_hosts_file_check_interval_for_test(std::chrono::hours(1));
  EXPECT_EQ(resolve("later.example", "1").first, ResolveError::kNeedsDns);
  std::ofstream(hosts_, std::ios::app) << "192.0.2.2 later.example\n";
  EXPECT_EQ(resolve("later.example", "1").first, ResolveError::kNeedsDns);
  core_internal::set_hosts_file_check_interval_for_test(std::chrono::seconds(1));
}

TEST_F(ResolverTest, NamesThatNeedDnsFailWithAMessageSayingSo) {
  auto [ec, addrs] = resolve("www.example.org", "80");
  EXPECT_EQ(ec, ResolveError::kNeedsDns);
  EXPECT_TRUE(addrs.empty());
  EXPECT_NE(ec.message().find("//dns"), std::string::npos);
}

TEST_F(ResolverTest, ServicesByNumberNameAndFallback) {
  EXPECT_EQ(*resolve_service("443"), 443);
  EXPECT_EQ(*resolve_service("smtp"), 25);
  EXPECT_EQ(*resolve_service("nosuchsvc=8080"), 8080);
  EXPECT_EQ(*resolve_service("http=8080"), 8080) << "the port wins; the name is for SRV";
  EXPECT_EQ(resolve_service("http=x").code(), ResolveError::kBadName);
  EXPECT_EQ(resolve_service("nosuchsvc").code(), ResolveError::kUnknownService);
  EXPECT_EQ(resolve_service("70000").code(), ResolveError::kBadName);
  EXPECT_EQ(resolve("127.0.0.1", "nosuchsvc").first, ResolveError::kUnknownService);
}

TEST_F(ResolverTest, ServicesFileEntriesWinOverTheBuiltInTable) {
  std::string path = std::string(getenv("TEST_TMPDIR")) + "/services";
  std::ofstream(path) << "# local\nhttp\t8080/tcp www # moved\nmyapp 7000/udp app-alias\n";
  core_internal::set_services_file_for_test(path);
  EXPECT_EQ(*resolve_service("http"), 8080);
  EXPECT_EQ(*resolve_service("www"), 8080) << "aliases count";
  EXPECT_EQ(*resolve_service("app-alias", "udp"), 7000);
  EXPECT_EQ(resolve_service("myapp", "tcp").code(), ResolveError::kUnknownService);
  EXPECT_EQ(*resolve_service("https"), 443) << "a name the file lacks comes from the table";
  core_internal::set_services_file_for_test("");
}

TEST_F(ResolverTest, WellKnownServicesResolveWithoutAServicesFile) {
  // A minimal container has no /etc/services.
  core_internal::set_services_file_for_test(std::string(getenv("TEST_TMPDIR")) + "/absent");
  EXPECT_EQ(*resolve_service("http"), 80);
  EXPECT_EQ(*resolve_service("https"), 443);
  EXPECT_EQ(*resolve_service("smtp"), 25);
  EXPECT_EQ(*resolve_service("finger"), 79);
  EXPECT_EQ(*resolve_service("domain", "udp"), 53);
  EXPECT_EQ(resolve_service("ntp", "tcp").code(), ResolveError::kUnknownService);
  EXPECT_EQ(resolve_service("nosuchsvc").code(), ResolveError::kUnknownService);
  EXPECT_EQ(resolve("127.0.0.1", "http").second, std::vector<std::string>{"127.0.0.1:80"});
  core_internal::set_services_file_for_test("");
}

TEST_F(ResolverTest, UnixPaths) {
  EXPECT_EQ(resolve("unix/", "/tmp/sock").second, std::vector<std::string>{"unix/:/tmp/sock"});
  EXPECT_EQ(resolve("unix/", std::string(200, 'x')).first, ResolveError::kBadName);
}

TEST_F(ResolverTest, CancellingSuppressesTheCallback) {
  bool called = false;
  {
    Guard g = resolve_sockaddr(*builtin_resolver(), "127.0.0.1", "1", {},
                               [&](std::error_code, auto) { called = true; });
  }
  CondVar<> later;
  Timer t = timer(0.01, [&] { later.send(); });
  later.recv();
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace ae
