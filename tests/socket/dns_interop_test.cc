// tcp_connect through //dns (c-ares) against a real DNS server on loopback (dnsmasq, Debian's),
// with Happy Eyeballs across the families the answer holds: the name has an AAAA record for a
// black-holed ::1 and an A record for a live 127.0.0.1.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "core/condvar.h"
#include "dns/options.h"
#include "dns/resolver.h"
#include "socket/connect.h"
#include "socket/resolve.h"
#include "socket/server.h"
#include "tests/socket/support/env.h"
#include "tests/socket/support/sockets.h"
#include "tests/socket/support/subprocess.h"
#include "tests/socket/support/test_loop.h"
#include "tests/support/black_hole.h"

namespace {

using namespace std::chrono_literals;
using ae::socket_test::ScopedEnv;
using ae::socket_test::Subprocess;
using ae::testing::BlackHole;

// A UDP (and TCP) port that was free a moment ago, for dnsmasq, which cannot report its own.
std::uint16_t free_udp_port() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  auto any = *ae::SocketAddress::from_numeric("127.0.0.1", 0);
  ::bind(fd, any.get(), any.size());
  ae::SocketAddress bound;
  socklen_t size = bound.capacity();
  ::getsockname(fd, bound.get(), &size);
  bound.set_size(size);
  ::close(fd);
  return bound.port();
}

class DnsInteropTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    port_ = free_udp_port();
    dnsmasq_ = Subprocess::spawn({"/usr/sbin/dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                                  "--conf-file=/dev/null", "--pid-file=", "--bind-interfaces",
                                  "--listen-address=127.0.0.1", "--port=" + std::to_string(port_),
                                  "--address=/he.test/::1", "--address=/he.test/127.0.0.1",
                                  "--log-facility=-"});
    ASSERT_TRUE(dnsmasq_);
    ae::dns::Options o;
    o.servers = {*ae::SocketAddress::from_numeric("127.0.0.1", port_)};
    o.timeouts = {0.2};
    o.cache_size = 0;
    resolver_.emplace(o);
    // dnsmasq answers a moment after it starts: ask until it does, with a deadline.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(dnsmasq_->running()) << "dnsmasq exited (its complaint is in the log above)";
      ae::CondVar<std::error_code> answered;
      ae::Guard g = ae::resolve_sockaddr(
          *resolver_, "he.test", "1", {},
          [&](std::error_code ec, std::vector<ae::SocketAddress>) { answered.send(ec); });
      ASSERT_TRUE(answered.wait_for(5s));
      if (!answered.recv()) return;
    }
    FAIL() << "dnsmasq never answered on port " << port_;
  }

  ae::socket_test::TestLoop loop_{GetParam()};
  ScopedEnv prefer6_{"AE_PROTOCOLS", "ipv6,ipv4"};
  std::uint16_t port_ = 0;
  std::optional<Subprocess> dnsmasq_;
  std::optional<ae::dns::Resolver> resolver_;
};

TEST_P(DnsInteropTest, ResolvesBothFamiliesInPreferenceOrder) {
  ae::CondVar<std::vector<std::string>> got;
  ae::Guard g = ae::resolve_sockaddr(*resolver_, "he.test", "http", {},
                                     [&](std::error_code ec, std::vector<ae::SocketAddress> as) {
                                       std::vector<std::string> out;
                                       if (ec) out.push_back(ec.message());
                                       for (const auto& a : as) out.push_back(a.to_string());
                                       got.send(out);
                                     });
  ASSERT_TRUE(got.wait_for(5s));
  EXPECT_EQ(got.recv(), (std::vector<std::string>{"[::1]:80", "127.0.0.1:80"}));
}

TEST_P(DnsInteropTest, BlackHoledAaaaFallsBackToTheARecordWithinOneStep) {
  std::optional<BlackHole> hole;
  ae::TcpServer live;
  for (int tries = 0; tries < 20 && !live; ++tries) {
    hole = BlackHole::make("::1");
    ASSERT_TRUE(hole);
    auto s = ae::tcp_server("127.0.0.1", std::to_string(hole->port()),
                            [](int fd, const std::string&, std::uint16_t) { ::close(fd); });
    if (s) live = std::move(*s);
  }
  ASSERT_TRUE(live);
  std::string port = std::to_string(live.port());

  ae::CondVar<std::error_code, ae::Connection, double> done;
  auto start = std::chrono::steady_clock::now();
  ae::ConnectOptions options;
  options.resolver = &*resolver_;
  ae::Guard g = ae::tcp_connect(
      "he.test", port,
      [&](std::error_code ec, ae::Connection c) {
        done.send(ec, std::move(c),
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      },
      [](int) { return ae::Seconds(3600); }, options);
  // The attempt timeout is an hour: a connection at all shows the step started the next attempt.
  auto [ec, c, seconds] = done.recv();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(c.peer.to_string(), "127.0.0.1:" + port);
  EXPECT_GE(seconds, 0.24);  // ::1 came first and was tried first
  ::close(c.fd);
}

TEST_P(DnsInteropTest, ANameDnsDoesNotKnowFailsWithTheResolversError) {
  ae::CondVar<std::error_code, int> done;
  ae::ConnectOptions options;
  options.resolver = &*resolver_;
  ae::Guard g = ae::tcp_connect(
      "nowhere.test", "80", [&](std::error_code ec, ae::Connection c) { done.send(ec, c.fd); },
      nullptr, options);
  ASSERT_TRUE(done.wait_for(5s));
  auto [ec, fd] = done.recv();
  EXPECT_TRUE(ec);
  EXPECT_EQ(fd, -1);
  EXPECT_NE(ec.category(), std::generic_category()) << ec.message();
}

INSTANTIATE_TEST_SUITE_P(Backends, DnsInteropTest, ::testing::ValuesIn(ae::socket_test::kBackends));

}  // namespace
