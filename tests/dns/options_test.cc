#include "dns/options.h"

#include <stdlib.h>

#include <string>

#include <gtest/gtest.h>

#include "tests/dns/support/nsd_server.h"

namespace ae::dns {
namespace {

SocketAddress addr(const char* host, std::uint16_t port) {
  return *SocketAddress::from_numeric(host, port);
}

TEST(ResolvConfTest, ParsesServersSearchAndOptionsLikeAnyEvent) {
  Options o;
  parse_resolv_conf(
      "# a comment\n"
      "nameserver 192.0.2.1\n"
      "nameserver 2001:db8::1   ; trailing comment\n"
      "nameserver 192.0.2.1\n"
      "nameserver not-an-address\n"
      "search a.example b.example a.example\n"
      "options ndots:2 timeout:3 attempts:4 rotate\n"
      "sortlist 10.0.0.0/8\n"
      "garbage line\n",
      o);
  EXPECT_EQ(o.servers,
            (std::vector<SocketAddress>{addr("192.0.2.1", 53), addr("2001:db8::1", 53)}));
  EXPECT_EQ(o.search, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_EQ(o.ndots, 2);
  EXPECT_EQ(o.timeouts, (std::vector<double>{3, 3, 3, 3}));
}

TEST(ResolvConfTest, DomainReplacesTheSearchListAndTheLastOneWins) {
  Options o;
  parse_resolv_conf("search one.example two.example\ndomain three.example\n", o);
  EXPECT_EQ(o.search, std::vector<std::string>{"three.example"});
  parse_resolv_conf("domain three.example\nsearch four.example\n", o);
  EXPECT_EQ(o.search, std::vector<std::string>{"four.example"});
}

TEST(ResolvConfTest, ServersMayCarryAPort) {
  Options o;
  parse_resolv_conf("nameserver 127.0.0.1:5353\nnameserver [::1]:5300\nnameserver 1.2.3.4:0\n", o);
  EXPECT_EQ(o.servers, (std::vector<SocketAddress>{addr("127.0.0.1", 5353), addr("::1", 5300)}));
}

TEST(ResolvConfTest, DefaultsSurviveAnEmptyFileButServersAndSearchAreReset) {
  Options o;
  o.servers = {addr("192.0.2.9", 53)};
  o.search = {"old.example"};
  parse_resolv_conf("", o);
  EXPECT_TRUE(o.servers.empty());
  EXPECT_TRUE(o.search.empty());
  EXPECT_EQ(o.timeouts, (std::vector<double>{2, 5, 5}));
  EXPECT_EQ(o.ndots, 1);
  parse_resolv_conf("options attempts:2\n", o);
  EXPECT_EQ(o.timeouts, (std::vector<double>{2, 2}));
}

TEST(ResolvConfTest, EnvironmentChoosesTheFileAndLimits) {
  std::string path = dns_test::scratch_dir() + "/env-resolv.conf";
  ASSERT_TRUE(dns_test::write_file(path, "nameserver 127.0.0.1:1053\nsearch env.example\n"));
  ::setenv("AE_RESOLV_CONF", path.c_str(), 1);
  ::setenv("AE_MAX_OUTSTANDING_DNS", "42", 1);
  ::setenv("AE_EDNS0", "1", 1);
  Options o = Options::from_environment();
  ::unsetenv("AE_RESOLV_CONF");
  ::unsetenv("AE_MAX_OUTSTANDING_DNS");
  ::unsetenv("AE_EDNS0");
  EXPECT_EQ(o.resolv_conf, path);
  EXPECT_EQ(o.servers, std::vector<SocketAddress>{addr("127.0.0.1", 1053)});
  EXPECT_EQ(o.search, std::vector<std::string>{"env.example"});
  EXPECT_EQ(o.max_outstanding, 42u);
  EXPECT_TRUE(o.edns0);

  Options defaults = Options::from_environment();
  EXPECT_EQ(defaults.resolv_conf, "/etc/resolv.conf");
  EXPECT_EQ(defaults.max_outstanding, 10u);
  EXPECT_FALSE(defaults.edns0);
}

TEST(ResolvConfTest, EnvironmentFollowsAnyEventsNamesAndPerlsTruth) {
  std::string mine = dns_test::scratch_dir() + "/ae-resolv.conf";
  std::string perls = dns_test::scratch_dir() + "/perl-resolv.conf";
  ASSERT_TRUE(dns_test::write_file(mine, "nameserver 127.0.0.1:1053\n"));
  ASSERT_TRUE(dns_test::write_file(perls, "nameserver 127.0.0.1:2053\n"));
  ::setenv("AE_RESOLV_CONF", mine.c_str(), 1);
  ::setenv("PERL_ANYEVENT_RESOLV_CONF", perls.c_str(), 1);
  ::setenv("AE_EDNS0", "yes", 1);
  Options o = Options::from_environment();
  ::unsetenv("PERL_ANYEVENT_RESOLV_CONF");
  EXPECT_EQ(o.resolv_conf, perls) << "PERL_ANYEVENT_x wins over AE_x";
  EXPECT_TRUE(o.edns0) << "\"yes\" is true";
  for (const char* off : {"0", ""}) {
    ::setenv("AE_EDNS0", off, 1);
    EXPECT_FALSE(Options::from_environment().edns0) << "\"" << off << "\"";
  }
  ::setenv("PERL_ANYEVENT_EDNS0", "0", 1);
  ::setenv("AE_EDNS0", "1", 1);
  EXPECT_FALSE(Options::from_environment().edns0);
  ::unsetenv("PERL_ANYEVENT_EDNS0");
  ::unsetenv("AE_EDNS0");
  ::unsetenv("AE_RESOLV_CONF");
}

TEST(ResolvConfTest, MissingFileLeavesNoServers) {
  Options o;
  const std::string missing = dns_test::scratch_dir() + "/does-not-exist";
  ae::Result<void> loaded = load_resolv_conf(missing, o);
  EXPECT_FALSE(loaded);
  EXPECT_EQ(loaded.code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(loaded.message(),
            "cannot read resolver config " + missing + ": " + loaded.code().message());
  EXPECT_TRUE(o.servers.empty());
}

}  // namespace
}  // namespace ae::dns
