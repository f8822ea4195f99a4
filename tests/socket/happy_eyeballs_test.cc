// tcp_connect's Happy Eyeballs (RFC 8305) against black holes made on this machine: a loopback
// listener whose full accept queue drops SYNs (tests/support/black_hole.h). Names map to
// several addresses through a hosts file (AE_HOSTS); every address is on loopback.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/condvar.h"
#include "socket/connect.h"
#include "socket/internal/connect_race.h"
#include "socket/server.h"
#include "tests/socket/support/env.h"
#include "tests/socket/support/sockets.h"
#include "tests/socket/support/test_loop.h"
#include "tests/support/black_hole.h"

namespace {

using ae::socket_test::connect_and_wait;
using ae::socket_test::Outcome;
using ae::socket_test::ScopedEnv;
using ae::socket_test::ScopedHostsFile;
using ae::testing::BlackHole;

std::vector<std::string> texts(const std::vector<ae::SocketAddress>& addrs) {
  std::vector<std::string> out;
  for (const auto& a : addrs) out.push_back(a.host());
  return out;
}

ae::SocketAddress addr(const char* host) { return *ae::SocketAddress::from_numeric(host, 1); }

TEST(InterleaveFamiliesTest, AlternatesFamiliesStartingWithThePreferredOne) {
  using V = std::vector<std::string>;
  EXPECT_EQ(texts(ae::socket_internal::interleave_families(
                {addr("10.0.0.1"), addr("10.0.0.2"), addr("10.0.0.3"), addr("::1"), addr("::2")})),
            (V{"10.0.0.1", "::1", "10.0.0.2", "::2", "10.0.0.3"}));
  EXPECT_EQ(texts(ae::socket_internal::interleave_families(
                {addr("::1"), addr("10.0.0.1"), addr("10.0.0.2"), addr("10.0.0.3")})),
            (V{"::1", "10.0.0.1", "10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(texts(ae::socket_internal::interleave_families({addr("::1"), addr("::2")})),
            (V{"::1", "::2"}));
  EXPECT_TRUE(ae::socket_internal::interleave_families({}).empty());
}

class HappyEyeballsTest : public ::testing::TestWithParam<std::string> {
 protected:
  // A black hole on `hole_ip` and a server on `live_ip` at the same port. Another process could
  // hold that port on `live_ip`; then another port is tried.
  bool make_pair(const std::string& hole_ip, const std::string& live_ip) {
    for (int tries = 0; tries < 20; ++tries) {
      hole_.reset();
      hole_ = BlackHole::make(hole_ip);
      if (!hole_) return false;
      auto server =
          ae::tcp_server(live_ip, port(), [this](int fd, const std::string&, std::uint16_t) {
            ++accepted_;
            ::close(fd);
          });
      if (server) {
        live_ = std::move(*server);
        return true;
      }
    }
    ADD_FAILURE() << "no port free on both " << hole_ip << " and " << live_ip;
    return false;
  }
  std::string port() const { return std::to_string(hole_->port()); }

  ae::socket_test::TestLoop loop_{GetParam()};
  ScopedEnv protocols_{"AE_PROTOCOLS", std::nullopt};
  std::optional<BlackHole> hole_;
  ae::TcpServer live_;
  int accepted_ = 0;
};

// The test the design asks for: a black-holed first address delays the connect by one 250 ms
// step, not by the attempt timeout (nor the kernel's minutes). The attempt timeout is an hour, so
// a connection at all (within connect_and_wait's limit) shows the step started the second
// attempt; no upper bound on the time is needed, and a busy machine cannot fail the test.
TEST_P(HappyEyeballsTest, BlackHoledFirstAddressCostsOneStep) {
  ASSERT_TRUE(make_pair("127.0.0.2", "127.0.0.1"));
  ScopedHostsFile hosts("127.0.0.2 eyeballs.test\n127.0.0.1 eyeballs.test\n");
  int attempts = 0;
  Outcome o = connect_and_wait("eyeballs.test", port(), [&](int) {
    ++attempts;
    return ae::Seconds(3600);
  });
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.peer.to_string(), "127.0.0.1:" + port());
  EXPECT_EQ(attempts, 2);
  EXPECT_GE(o.seconds, 0.24);  // the black hole really was tried first
  ::close(o.fd);
}

// The same across families: IPv6 preferred (AE_PROTOCOLS=ipv6,ipv4) and black-holed.
TEST_P(HappyEyeballsTest, BlackHoledPreferredFamilyFallsBackToTheOther) {
  ASSERT_TRUE(make_pair("::1", "127.0.0.1"));
  ScopedHostsFile hosts("127.0.0.1 dual.test\n::1 dual.test\n");
  ScopedEnv prefer6("AE_PROTOCOLS", "ipv6,ipv4");
  Outcome o = connect_and_wait("dual.test", port(), [](int) { return ae::Seconds(3600); });
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.peer.to_string(), "127.0.0.1:" + port());
  EXPECT_GE(o.seconds, 0.24);
  ::close(o.fd);
}

// Without a prepare timeout, the kernel would wait minutes for the black hole (longer than
// connect_and_wait's limit); the live address still wins after one step.
TEST_P(HappyEyeballsTest, BlackHoleWithoutTimeoutDoesNotDelayTheWinner) {
  ASSERT_TRUE(make_pair("127.0.0.2", "127.0.0.1"));
  ScopedHostsFile hosts("127.0.0.2 nolimit.test\n127.0.0.1 nolimit.test\n");
  Outcome o = connect_and_wait("nolimit.test", port());
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.peer.host(), "127.0.0.1");
  ::close(o.fd);
}

TEST_P(HappyEyeballsTest, TheWinnerClosesTheAttemptsStillPending) {
  ASSERT_TRUE(make_pair("127.0.0.2", "127.0.0.1"));
  ScopedHostsFile hosts("127.0.0.2 loser.test\n127.0.0.1 loser.test\n");
  std::vector<int> prepared;
  ae::CondVar<bool> done;
  ae::Guard g = ae::tcp_connect(
      "loser.test", port(),
      [&](std::error_code ec, ae::Connection c) {
        EXPECT_FALSE(ec);
        ASSERT_EQ(prepared.size(), 2u);
        EXPECT_EQ(c.fd, prepared[1]);
        // The black-holed attempt was closed before the winner was handed over.
        done.send(ae::socket_test::is_closed(prepared[0]));
        ::close(c.fd);
      },
      [&](int fd) {
        prepared.push_back(fd);
        return ae::Seconds(5);
      });
  ASSERT_TRUE(done.wait_for(std::chrono::seconds(5)));
  EXPECT_TRUE(done.recv());
  EXPECT_EQ(accepted_, 1);
}

// A refused attempt starts the next one at once, without waiting for the 250 ms step.
TEST_P(HappyEyeballsTest, AFailedAttemptStartsTheNextAtOnce) {
  ae::SocketAddress closed;
  int refuser = ae::socket_test::bind_without_listening(
      *ae::SocketAddress::from_numeric("127.0.0.2", 0), &closed);
  ASSERT_GE(refuser, 0);
  // The port is taken on 127.0.0.2; a listener on 127.0.0.1 at the same port is the live one.
  std::string p = std::to_string(closed.port());
  auto server = ae::tcp_server("127.0.0.1", p,
                               [](int fd, const std::string&, std::uint16_t) { ::close(fd); });
  if (!server) {
    ::close(refuser);
    GTEST_SKIP() << "port " << p << " is busy on 127.0.0.1: " << server.message();
  }
  ScopedHostsFile hosts("127.0.0.2 refused.test\n127.0.0.1 refused.test\n");
  // A step of an hour: only the refusal can start the second attempt.
  ae::ConnectOptions options;
  options.attempt_delay = ae::Seconds(3600);
  ae::CondVar<std::error_code, ae::Connection> done;
  ae::Guard g = ae::tcp_connect(
      "refused.test", p, [&](std::error_code ec, ae::Connection c) { done.send(ec, std::move(c)); },
      nullptr, options);
  auto [ec, c] = done.recv();
  ASSERT_FALSE(ec) << c.error;
  EXPECT_EQ(c.peer.host(), "127.0.0.1");
  ::close(c.fd);
  ::close(refuser);
}

// Every address black-holed: each attempt times out (they overlap, started a step apart), and
// the error is ETIMEDOUT.
TEST_P(HappyEyeballsTest, AllAddressesBlackHoledTimesOut) {
  auto first = BlackHole::make("127.0.0.2");
  ASSERT_TRUE(first);
  auto second = BlackHole::make("127.0.0.3", first->port());
  ASSERT_TRUE(second);
  std::string p = std::to_string(first->port());
  ScopedHostsFile hosts("127.0.0.2 holes.test\n127.0.0.3 holes.test\n");
  Outcome o = connect_and_wait("holes.test", p, [](int) { return ae::Seconds(0.5); });
  EXPECT_EQ(o.ec, std::errc::timed_out) << o.ec.message();
  // The second attempt starts at 0.25 s and times out 0.5 s later.
  EXPECT_GE(o.seconds, 0.7);
}

// The overall deadline ends a connect that no attempt timeout would: every attempt is closed, and
// the error is ETIMEDOUT, once.
TEST_P(HappyEyeballsTest, OverallTimeoutEndsTheConnectWhenNoAttemptTimesOut) {
  auto first = BlackHole::make("127.0.0.2");
  ASSERT_TRUE(first);
  auto second = BlackHole::make("127.0.0.3", first->port());
  ASSERT_TRUE(second);
  ScopedHostsFile hosts("127.0.0.2 deadline.test\n127.0.0.3 deadline.test\n");
  ae::ConnectOptions options;
  options.timeout = ae::Seconds(1);
  int attempts = 0;
  int calls = 0;
  std::error_code ec;
  ae::CondVar<> done;
  ae::Guard g = ae::tcp_connect(
      "deadline.test", std::to_string(first->port()),
      [&](std::error_code e, ae::Connection c) {
        ++calls;
        ec = e;
        EXPECT_EQ(c.fd, -1);
        done.send();
      },
      [&](int) {
        ++attempts;
        return ae::Seconds(0);  // the kernel's own: minutes
      },
      options);
  done.recv();
  EXPECT_EQ(ec, std::errc::timed_out) << ec.message();
  EXPECT_GE(attempts, 1);
  // Nothing more comes: the attempts were closed with the deadline.
  ae::CondVar<> later;
  ae::Timer t = ae::timer(0.3, [&] { later.send(); });
  later.recv();
  EXPECT_EQ(calls, 1);
}

// The final error is the one of the attempt that failed last: here the black hole's timeout,
// which comes after the refusal.
TEST_P(HappyEyeballsTest, ReportsTheErrorOfTheLastAttemptToFail) {
  auto hole = BlackHole::make("127.0.0.2");
  ASSERT_TRUE(hole);
  ae::SocketAddress closed;
  int refuser = ae::socket_test::bind_without_listening(
      *ae::SocketAddress::from_numeric("127.0.0.1", hole->port()), &closed);
  if (refuser < 0) GTEST_SKIP() << "port busy on 127.0.0.1";
  std::string p = std::to_string(hole->port());
  ScopedHostsFile hosts("127.0.0.2 mixed.test\n127.0.0.1 mixed.test\n");
  Outcome o = connect_and_wait("mixed.test", p, [](int) { return ae::Seconds(0.6); });
  EXPECT_EQ(o.ec, std::errc::timed_out) << o.ec.message();
  EXPECT_GE(o.seconds, 0.55);
  ::close(refuser);

  // And the other way round: the refusal comes last.
  int refuser2 = ae::socket_test::bind_without_listening(
      *ae::SocketAddress::from_numeric("127.0.0.1", hole->port()), &closed);
  ASSERT_GE(refuser2, 0);
  ScopedHostsFile hosts3("127.0.0.2 mixed3.test\n127.0.0.1 mixed3.test\n");
  // The black hole times out at 0.1 s, long before the step (an hour here); the refusal follows
  // at once.
  ae::ConnectOptions options;
  options.attempt_delay = ae::Seconds(3600);
  ae::CondVar<std::error_code> done;
  ae::Guard g = ae::tcp_connect(
      "mixed3.test", p, [&](std::error_code ec, ae::Connection) { done.send(ec); },
      [](int) { return ae::Seconds(0.1); }, options);
  std::error_code ec2 = done.recv();
  EXPECT_EQ(ec2, std::errc::connection_refused) << ec2.message();
  ::close(refuser2);
}

INSTANTIATE_TEST_SUITE_P(Backends, HappyEyeballsTest,
                         ::testing::ValuesIn(ae::socket_test::kBackends));

}  // namespace
