#include "socket/address.h"

#include <arpa/inet.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

namespace {

using ae::HostAddress;
using ae::Ipv4Bytes;
using ae::Ipv6Bytes;

std::string hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  char b[3];
  for (std::uint8_t c : bytes) {
    std::snprintf(b, sizeof b, "%02x", c);
    out += b;
  }
  return out;
}

std::string v4(std::string_view text) {
  auto a = ae::parse_ipv4(text);
  return a ? hex(*a) : "undef";
}

std::string v6(std::string_view text) {
  auto a = ae::parse_ipv6(text);
  return a ? hex(*a) : "undef";
}

Ipv6Bytes v6_bytes(const char* text) {
  Ipv6Bytes out{};
  EXPECT_EQ(inet_pton(AF_INET6, text, out.data()), 1) << text;
  return out;
}

TEST(ParseIpv4Test, AcceptsEveryInetAtonForm) {
  EXPECT_EQ(v4("10.0.0.1"), "0a000001");
  EXPECT_EQ(v4("10.1"), "0a000001");
  EXPECT_EQ(v4("127.1"), "7f000001");
  EXPECT_EQ(v4("0x7f.1"), "7f000001");
  EXPECT_EQ(v4("10.0x020304"), "0a020304");
  EXPECT_EQ(v4("0x12345678"), "12345678");
  EXPECT_EQ(v4("0377.0377.0377.0377"), "ffffffff");
  EXPECT_EQ(v4("4294967295"), "ffffffff");
  EXPECT_EQ(v4("1.2.65535"), "0102ffff");
  EXPECT_EQ(v4("1.16777215"), "01ffffff");
  EXPECT_EQ(v4("0"), "00000000");
  EXPECT_EQ(v4("00.0x0.0"), "00000000");
  EXPECT_EQ(v4("0xAbCd"), "0000abcd");
}

TEST(ParseIpv4Test, RejectsOutOfRangePartsAndMalformedText) {
  for (const char* bad : {"",
                          ".",
                          "1.",
                          ".1",
                          "1..2",
                          "1.2.3.4.5",
                          "256.1",
                          "1.256.1.1",
                          "127.0.0.256",
                          "1.2.65536",
                          "1.16777216",
                          "4294967296",
                          "08",
                          "09.1",
                          "0x",
                          "0x.1",
                          "0X10",
                          "-1",
                          "+1",
                          " 1.2.3.4",
                          "1.2.3.4 ",
                          "1.2.3.4\n",
                          "a.b.c.d",
                          "1e3",
                          "0x1g",
                          "::1",
                          "999999999999999999999999",
                          "0x1000000000000000000000000000"}) {
    EXPECT_EQ(v4(bad), "undef") << '"' << bad << '"';
  }
}

TEST(ParseIpv6Test, AcceptsRfc2373Forms) {
  EXPECT_EQ(v6("::"), "00000000000000000000000000000000");
  EXPECT_EQ(v6("::1"), "00000000000000000000000000000001");
  EXPECT_EQ(v6("1::"), "00010000000000000000000000000000");
  EXPECT_EQ(v6("1:2:3:4:5:6:7:8"), "00010002000300040005000600070008");
  EXPECT_EQ(v6("FFFF:abcd::0"), "ffffabcd000000000000000000000000");
  EXPECT_EQ(v6("2002:5345::10.0.0.1"), "2002534500000000000000000a000001");
  EXPECT_EQ(v6("1:2:3:4:5:6:1.2.3.4"), "00010002000300040005000601020304");
  EXPECT_EQ(v6("::ffff:1.2"), "00000000000000000000ffff01000002");  // any inet_aton tail
  EXPECT_EQ(v6("1:2:3:4:5:6:7::"), "00010002000300040005000600070000");
}

TEST(ParseIpv6Test, TurnsPlainIpv4IntoV4Mapped) {
  EXPECT_EQ(v6("10.0.0.1"), "00000000000000000000ffff0a000001");
  EXPECT_EQ(v6("127.1"), "00000000000000000000ffff7f000001");
}

TEST(ParseIpv6Test, RejectsMalformedText) {
  for (const char* bad :
       {"", ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1",
        "1:2:3:4:5:6:7:8:", ":1:2:3:4:5:6:7:8", "fe80::1%eth0", "1:2:3:4:5:6:7:1.2.3.4",
        "::1.2.3.256", "1.2.3.4::", "[::1]", " ::1", "::1 ", "localhost", "1:2"}) {
    EXPECT_EQ(v6(bad), "undef") << '"' << bad << '"';
  }
}

TEST(ParseIpv6Test, AgreesWithInetPtonOnWhatInetNtopWrites) {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    Ipv6Bytes a{};
    for (std::size_t g = 0; g < 8; ++g) {
      // Plenty of zero groups, so that every compression position occurs.
      std::uint16_t v = rng() % 3 == 0 ? 0 : static_cast<std::uint16_t>(rng());
      a[2 * g] = static_cast<std::uint8_t>(v >> 8);
      a[2 * g + 1] = static_cast<std::uint8_t>(v);
    }
    char text[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, a.data(), text, sizeof text), nullptr);
    auto parsed = ae::parse_ipv6(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(*parsed, a) << text;
    // Where AnyEvent's special v4 forms do not apply, format_ipv6 writes what inet_ntop writes.
    bool special = std::all_of(a.begin(), a.begin() + 8, [](std::uint8_t b) { return b == 0; });
    if (!special) {
      EXPECT_EQ(ae::format_ipv6(a), text);
    }
    EXPECT_EQ(ae::parse_ipv6(ae::format_ipv6(a)), a) << ae::format_ipv6(a);
  }
}

TEST(ParseUnixTest, KnowsOnlyTheUnixToken) {
  ASSERT_TRUE(ae::parse_unix("unix/"));
  EXPECT_EQ(ae::parse_unix("unix/")->family(), AF_UNIX);
  EXPECT_FALSE(ae::parse_unix("unix"));
  EXPECT_FALSE(ae::parse_unix("unix/:/tmp/x"));
  EXPECT_FALSE(ae::parse_unix("/tmp/x"));
}

TEST(ParseAddressTest, ParsesIpv4Ipv6AndUnix) {
  auto a = ae::parse_address("10.1.2.3");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family(), AF_INET);
  EXPECT_EQ(hex(a->bytes()), "0a010203");

  auto b = ae::parse_address("2001:db8::1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->family(), AF_INET6);
  EXPECT_EQ(hex(b->bytes()), "20010db8000000000000000000000001");

  auto c = ae::parse_address("unix/");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, HostAddress::unix_token());
  EXPECT_TRUE(c->bytes().empty());

  auto d = ae::parse_address("127.1");
  ASSERT_TRUE(d);
  EXPECT_EQ(hex(d->bytes()), "7f000001");
}

TEST(ParseAddressTest, ReturnsV4MappedAddressesAsIpv4) {
  auto a = ae::parse_address("::ffff:10.0.0.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family(), AF_INET);
  EXPECT_EQ(hex(a->bytes()), "0a000001");
  // v4-compatible and v4-translated addresses stay IPv6.
  EXPECT_EQ(ae::parse_address("::10.0.0.1")->family(), AF_INET6);
  EXPECT_EQ(ae::parse_address("::ffff:0:10.0.0.1")->family(), AF_INET6);
}

TEST(ParseAddressTest, RejectsNamesAndGarbage) {
  for (const char* bad :
       {"", "localhost", "example.com", "1.2.3.4.5", "::g", "unix", " ", "[::1]"}) {
    EXPECT_FALSE(ae::parse_address(bad)) << '"' << bad << '"';
  }
}

TEST(FormatIpv4Test, WritesDottedQuads) {
  EXPECT_EQ(ae::format_ipv4(Ipv4Bytes{1, 2, 3, 5}), "1.2.3.5");
  EXPECT_EQ(ae::format_ipv4(Ipv4Bytes{255, 255, 255, 255}), "255.255.255.255");
  EXPECT_EQ(ae::format_ipv4(Ipv4Bytes{0, 0, 0, 0}), "0.0.0.0");
}

TEST(FormatIpv6Test, WritesAnyEventsSpecialForms) {
  EXPECT_EQ(ae::format_ipv6(v6_bytes("::")), "::");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("::1")), "::1");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("::1.2.3.4")), "::1.2.3.4");                // v4-compatible
  EXPECT_EQ(ae::format_ipv6(v6_bytes("::2")), "::0.0.0.2");                      // so is this one
  EXPECT_EQ(ae::format_ipv6(v6_bytes("::ffff:1.2.3.4")), "::ffff:1.2.3.4");      // v4-mapped
  EXPECT_EQ(ae::format_ipv6(v6_bytes("::ffff:0:1.2.3.4")), "::ffff:0:1.2.3.4");  // translated
}

TEST(FormatIpv6Test, CompressesTheFirstLongestZeroRun) {
  EXPECT_EQ(ae::format_ipv6(v6_bytes("2002:5345::10.0.0.1")), "2002:5345::a00:1");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("2001:0db8:0000:0000:0000:ff00:0042:8329")),
            "2001:db8::ff00:42:8329");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("1:0:0:2:0:0:0:3")), "1:0:0:2::3");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("1:0:0:2:0:0:3:4")), "1::2:0:0:3:4");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("1:0:2:3:4:5:6:7")), "1:0:2:3:4:5:6:7");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("1:2:3:4:5:6:7:0")), "1:2:3:4:5:6:7:0");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("1::")), "1::");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("0:0:1::")), "0:0:1::");
  EXPECT_EQ(ae::format_ipv6(v6_bytes("FE80::ABCD")), "fe80::abcd");
}

TEST(FormatAddressTest, FormatsEachFamily) {
  EXPECT_EQ(ae::format_address(Ipv4Bytes{1, 2, 3, 5}), "1.2.3.5");
  EXPECT_EQ(ae::format_address(v6_bytes("::ffff:127.0.0.1")), "127.0.0.1");
  EXPECT_EQ(ae::format_address(v6_bytes("::1")), "::1");
  EXPECT_EQ(ae::format_address(v6_bytes("2001:db8::5")), "2001:db8::5");
  EXPECT_EQ(ae::format_address(v6_bytes("::ffff:0:1.2.3.4")), "::ffff:0:1.2.3.4");
  EXPECT_EQ(ae::format_address(HostAddress::unix_token()), "unix/");
  EXPECT_EQ(ae::format_address(HostAddress()), "");
}

TEST(FormatAddressTest, RoundTripsThroughParseAddress) {
  for (const char* text : {"0.0.0.0", "127.0.0.1", "255.255.255.255", "::", "::1", "fe80::1",
                           "2001:db8::ff00:42:8329", "::ffff:0:1.2.3.4", "unix/"}) {
    auto a = ae::parse_address(text);
    ASSERT_TRUE(a) << text;
    EXPECT_EQ(ae::format_address(*a), text);
  }
}

TEST(AddressFamilyTest, ReportsTheFamilyOfEachKind) {
  EXPECT_EQ(ae::address_family(*ae::parse_address("1.2.3.4")), AF_INET);
  EXPECT_EQ(ae::address_family(*ae::parse_address("::1")), AF_INET6);
  EXPECT_EQ(ae::address_family(*ae::parse_address("::ffff:1.2.3.4")), AF_INET);
  EXPECT_EQ(ae::address_family(*ae::parse_address("unix/")), AF_UNIX);
  EXPECT_EQ(ae::address_family(HostAddress()), AF_UNSPEC);
}

TEST(PackSockaddrTest, RoundTripsIpv4AndIpv6) {
  ae::SocketAddress sa4 = ae::pack_sockaddr(8080, *ae::parse_address("10.0.0.1"));
  EXPECT_EQ(sa4.to_string(), "10.0.0.1:8080");
  ae::UnpackedSockaddr u4 = ae::unpack_sockaddr(sa4);
  EXPECT_EQ(u4.port, 8080);
  EXPECT_EQ(ae::format_address(u4.host), "10.0.0.1");

  ae::SocketAddress sa6 = ae::pack_sockaddr(443, *ae::parse_address("2001:db8::1"));
  EXPECT_EQ(sa6.to_string(), "[2001:db8::1]:443");
  ae::UnpackedSockaddr u6 = ae::unpack_sockaddr(sa6);
  EXPECT_EQ(u6.port, 443);
  EXPECT_EQ(ae::format_address(u6.host), "2001:db8::1");
}

TEST(PackSockaddrTest, HandlesUnixAndEmptyHosts) {
  EXPECT_EQ(ae::pack_sockaddr(0, HostAddress::unix_token()).family(), AF_UNIX);
  EXPECT_TRUE(ae::pack_sockaddr(80, HostAddress()).empty());
  auto un = ae::SocketAddress::unix_path("/tmp/x.sock");
  ASSERT_TRUE(un);
  ae::UnpackedSockaddr u = ae::unpack_sockaddr(*un);
  EXPECT_EQ(u.host, HostAddress::unix_token());
  EXPECT_EQ(u.port, 0);
  EXPECT_TRUE(ae::unpack_sockaddr(ae::SocketAddress()).host.empty());
}

TEST(FormatHostTest, ShowsV4MappedPeersAsIpv4) {
  auto mapped = ae::SocketAddress::from_numeric("::ffff:127.0.0.1", 5);
  ASSERT_TRUE(mapped);
  EXPECT_EQ(ae::format_host(*mapped), "127.0.0.1");
  EXPECT_EQ(ae::format_host(*ae::SocketAddress::from_numeric("::1", 5)), "::1");
  EXPECT_EQ(ae::format_host(*ae::SocketAddress::unix_path("/x")), "unix/");
}

}  // namespace
