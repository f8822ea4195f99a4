#include "socket/hostport.h"

#include <gtest/gtest.h>

namespace {

using ae::HostPort;

std::string parsed(std::string_view text, std::string_view default_service = {}) {
  auto hp = ae::parse_hostport(text, default_service);
  return hp ? hp->host + "|" + hp->service : "()";
}

TEST(ParseHostportTest, ParsesNamesAndIpv4WithPorts) {
  EXPECT_EQ(parsed("localhost:443"), "localhost|443");
  EXPECT_EQ(parsed("www.x.de:443"), "www.x.de|443");
  EXPECT_EQ(parsed("www.x.de:https=443"), "www.x.de|https=443");
  EXPECT_EQ(parsed("127.1:22"), "127.1|22");
  EXPECT_EQ(parsed("10.0.0.1 smtp"), "10.0.0.1|smtp");
  EXPECT_EQ(parsed("host:80  "), "host|80");
}

TEST(ParseHostportTest, ParsesIpv6Forms) {
  EXPECT_EQ(parsed("::1", "80"), "::1|80");
  EXPECT_EQ(parsed("affe::1", "http"), "affe::1|http");
  EXPECT_EQ(parsed("  ::1 443"), "::1|443");
  EXPECT_EQ(parsed("::1#443"), "::1|443");
  EXPECT_EQ(parsed("[::1]:80"), "::1|80");
  EXPECT_EQ(parsed("[::1] 80"), "::1|80");
  EXPECT_EQ(parsed("[::1]#80"), "::1|80");
  EXPECT_EQ(parsed("[10.0.1]:80"), "10.0.1|80");
  EXPECT_EQ(parsed("[www.x.org] 17"), "www.x.org|17");
  EXPECT_EQ(parsed("2002:5345::10.0.0.1 80"), "2002:5345::10.0.0.1|80");
}

TEST(ParseHostportTest, UsesTheDefaultOnlyWhenThereIsNoPort) {
  EXPECT_EQ(parsed("localhost", "https"), "localhost|https");
  EXPECT_EQ(parsed("localhost:25", "https"), "localhost|25");
  EXPECT_EQ(parsed("[127.0.0.1]", "80"), "127.0.0.1|80");
  EXPECT_EQ(parsed("[::1]"), "()");  // no port and no default: the empty list
  EXPECT_EQ(parsed("localhost"), "()");
}

TEST(ParseHostportTest, ParsesUnixDomainForms) {
  EXPECT_EQ(parsed("unix/:/path/to/socket"), "unix/|/path/to/socket");
  EXPECT_EQ(parsed("/tmp/debug.sock"), "unix/|/tmp/debug.sock");
  EXPECT_EQ(parsed("/with space:and colon"), "unix/|/with space:and colon");
}

TEST(ParseHostportTest, RejectsMalformedText) {
  EXPECT_EQ(parsed("", "80"), "()");
  EXPECT_EQ(parsed("host:80:90"), "()");
  EXPECT_EQ(parsed("host:80 x"), "()");
  EXPECT_EQ(parsed("host:", "80"), "()");
  EXPECT_EQ(parsed("[::1", "80"), "()");
  EXPECT_EQ(parsed("[]:80"), "()");
  EXPECT_EQ(parsed("[foo:bar]:80"), "()");        // a host with ':' must be IPv6
  EXPECT_EQ(parsed("1:2:zz:80"), "()");           // looks like IPv6 but is not
  EXPECT_EQ(parsed("1:2:3:4:5:6:7:8:80"), "()");  // a port needs [], a space or '#'
  EXPECT_EQ(parsed(" host:80"), "()");            // as AnyEvent: leading space only before IPv6
  EXPECT_EQ(parsed(":80"), "()");
}

TEST(ParseHostportTest, SurvivesHugeInput) {
  std::string huge(1 << 20, 'a');
  EXPECT_EQ(parsed(huge + ":80"), huge + "|80");
  std::string colons(1 << 20, ':');
  EXPECT_EQ(parsed(colons, "80"), "()");
}

TEST(FormatHostportTest, BracketsIpv6AndAppendsThePort) {
  EXPECT_EQ(ae::format_hostport("localhost", "80"), "localhost:80");
  EXPECT_EQ(ae::format_hostport("::1", "80"), "[::1]:80");
  EXPECT_EQ(ae::format_hostport("::1"), "[::1]");
  EXPECT_EQ(ae::format_hostport("10.0.0.1", ""), "10.0.0.1");
  EXPECT_EQ(ae::format_hostport("unix/", "/tmp/s"), "unix/:/tmp/s");
}

TEST(FormatHostportTest, IsReadBackByParseHostport) {
  for (auto [host, service] : {std::pair{"localhost", "80"},
                               {"::1", "http"},
                               {"10.0.0.1", "22"},
                               {"2001:db8::1", "https=443"},
                               {"unix/", "/tmp/s.sock"}}) {
    EXPECT_EQ(ae::parse_hostport(ae::format_hostport(host, service)), (HostPort{host, service}));
  }
}

}  // namespace
