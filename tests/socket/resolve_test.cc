#include "socket/resolve.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/condvar.h"
#include "tests/socket/support/env.h"
#include "tests/socket/support/test_loop.h"

namespace {

using namespace std::chrono_literals;
using ae::socket_test::ScopedEnv;
using ae::socket_test::ScopedHostsFile;

struct Resolved {
  std::error_code ec;
  std::vector<std::string> addrs;
};

class ResolveSockaddrTest : public ::testing::Test {
 protected:
  Resolved resolve(std::string_view host, std::string_view service, int family = 0) {
    ae::CondVar<Resolved> cv;
    bool returned = false;
    ae::Guard g =
        ae::resolve_sockaddr(host, service, {.family = family},
                             [&](std::error_code ec, std::vector<ae::SocketAddress> addrs) {
                               EXPECT_TRUE(returned) << "the callback ran inside resolve_sockaddr";
                               EXPECT_EQ(ec.operator bool(), addrs.empty());
                               Resolved r{ec, {}};
                               for (const auto& a : addrs) r.addrs.push_back(a.to_string());
                               cv.send(r);
                             });
    returned = true;
    EXPECT_TRUE(cv.wait_for(5s));
    return cv.ready() ? cv.recv() : Resolved{};
  }

  ae::socket_test::TestLoop loop_{"asio"};
  ScopedEnv protocols_{"AE_PROTOCOLS", std::nullopt};
};

using Addrs = std::vector<std::string>;

TEST_F(ResolveSockaddrTest, ResolvesNumericAddresses) {
  EXPECT_EQ(resolve("127.0.0.1", "80").addrs, Addrs{"127.0.0.1:80"});
  EXPECT_EQ(resolve("::1", "443").addrs, Addrs{"[::1]:443"});
}

TEST_F(ResolveSockaddrTest, ResolvesLocalhostToBothFamiliesInPreferenceOrder) {
  EXPECT_EQ(resolve("localhost", "80").addrs, (Addrs{"127.0.0.1:80", "[::1]:80"}));
  {
    ScopedEnv prefer6("AE_PROTOCOLS", "ipv6,ipv4");
    EXPECT_EQ(resolve("localhost", "80").addrs, (Addrs{"[::1]:80", "127.0.0.1:80"}));
  }
  {
    ScopedEnv only4("AE_PROTOCOLS", "ipv4");
    EXPECT_EQ(resolve("localhost", "80").addrs, Addrs{"127.0.0.1:80"});
  }
}

TEST_F(ResolveSockaddrTest, FiltersByFamily) {
  EXPECT_EQ(resolve("localhost", "80", 4).addrs, Addrs{"127.0.0.1:80"});
  EXPECT_EQ(resolve("localhost", "80", 6).addrs, Addrs{"[::1]:80"});
}

TEST_F(ResolveSockaddrTest, RefusesAFamilyThatAeProtocolsDisables) {
  ScopedEnv only6("AE_PROTOCOLS", "ipv6");
  Resolved r = resolve("localhost", "80", 4);
  EXPECT_EQ(r.ec, ae::ResolveError::kFamilyDisabled);
  EXPECT_TRUE(r.addrs.empty());
}

TEST_F(ResolveSockaddrTest, ReadsTheHostsFileNamedByAeHosts) {
  ScopedHostsFile hosts("# test hosts\n10.1.2.3 box box.example\n::5 box\n");
  EXPECT_EQ(resolve("box", "22").addrs, (Addrs{"10.1.2.3:22", "[::5]:22"}));
  EXPECT_EQ(resolve("BOX.example", "22").addrs, Addrs{"10.1.2.3:22"});
  ScopedEnv prefer6("AE_PROTOCOLS", "ipv6,ipv4");
  EXPECT_EQ(resolve("box", "22").addrs, (Addrs{"[::5]:22", "10.1.2.3:22"}));
}

TEST_F(ResolveSockaddrTest, LooksUpServiceNamesAndFallbackPorts) {
  EXPECT_EQ(resolve("127.0.0.1", "http").addrs, Addrs{"127.0.0.1:80"});
  EXPECT_EQ(resolve("127.0.0.1", "no-such-service=1234").addrs, Addrs{"127.0.0.1:1234"});
  EXPECT_EQ(resolve("127.0.0.1", "no-such-service").ec, ae::ResolveError::kUnknownService);
  EXPECT_EQ(resolve("127.0.0.1", "99999").ec.category(), ae::resolve_category());
}

TEST_F(ResolveSockaddrTest, MakesUnixDomainAddressesFromAbsolutePaths) {
  EXPECT_EQ(resolve("unix/", "/tmp/x.sock").addrs, Addrs{"unix/:/tmp/x.sock"});
  EXPECT_EQ(resolve("unix/", "relative.sock").ec, ae::ResolveError::kBadName);
  EXPECT_EQ(resolve("unix/", "/tmp/x.sock", 4).ec, ae::ResolveError::kBadName);
  EXPECT_EQ(resolve("unix/", "/" + std::string(200, 'x')).ec, ae::ResolveError::kBadName);
}

TEST_F(ResolveSockaddrTest, ReportsNamesThatNeedDnsWithoutDnsLinked) {
  ScopedHostsFile empty_hosts("");
  Resolved r = resolve("name.invalid", "80");
  EXPECT_EQ(r.ec, ae::ResolveError::kNeedsDns);
  EXPECT_NE(r.ec.message().find("//dns"), std::string::npos) << r.ec.message();
}

TEST_F(ResolveSockaddrTest, DestroyingTheGuardCancelsTheCallback) {
  bool called = false;
  {
    ae::Guard g = ae::resolve_sockaddr(
        "127.0.0.1", "80", {},
        [&](std::error_code, std::vector<ae::SocketAddress>) { called = true; });
  }
  ae::Guard g2 = ae::resolve_sockaddr(
      "unix/", "rel", {}, [&](std::error_code, std::vector<ae::SocketAddress>) { called = true; });
  g2.reset();
  for (int i = 0; i < 5; ++i) loop_.loop().run_once(false);
  EXPECT_FALSE(called);
}

TEST_F(ResolveSockaddrTest, RejectsAnInvalidFamilyAsAProgrammerError) {
  EXPECT_THROW(
      {
        ae::Guard g = ae::resolve_sockaddr("127.0.0.1", "80", {.family = 5},
                                           [](std::error_code, std::vector<ae::SocketAddress>) {});
      },
      std::invalid_argument);
}

class InetAtonTest : public ResolveSockaddrTest {
 protected:
  std::vector<std::string> aton(std::string_view name) {
    ae::CondVar<std::vector<std::string>> cv;
    bool returned = false;
    ae::Guard g = ae::inet_aton(name, [&](std::error_code ec, std::vector<ae::HostAddress> addrs) {
      EXPECT_TRUE(returned);
      std::vector<std::string> out;
      if (ec) out.push_back("error: " + ec.message());
      for (const auto& a : addrs) {
        out.push_back(std::to_string(a.bytes().size()) + ":" + ae::format_address(a));
      }
      cv.send(out);
    });
    returned = true;
    EXPECT_TRUE(cv.wait_for(5s));
    return cv.ready() ? cv.recv() : std::vector<std::string>{};
  }
};

TEST_F(InetAtonTest, ReturnsLiteralsAsTheirBytes) {
  EXPECT_EQ(aton("10.1"), Addrs{"4:10.0.0.1"});
  EXPECT_EQ(aton("::1"), Addrs{"16:::1"});
}

TEST_F(InetAtonTest, ResolvesLocalhostAndHostsFileNames) {
  EXPECT_EQ(aton("localhost"), (Addrs{"4:127.0.0.1", "16:::1"}));
  ScopedHostsFile hosts("192.0.2.7 printer\n");
  EXPECT_EQ(aton("printer"), Addrs{"4:192.0.2.7"});
}

}  // namespace
