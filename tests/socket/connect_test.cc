#include "socket/connect.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "core/condvar.h"
#include "socket/server.h"
#include "tests/socket/support/env.h"
#include "tests/socket/support/sockets.h"
#include "tests/socket/support/test_loop.h"
#include "tests/support/black_hole.h"

namespace {

using namespace std::chrono_literals;
using ae::socket_test::connect_and_wait;
using ae::socket_test::loopback;
using ae::socket_test::Outcome;
using ae::socket_test::ScopedEnv;
using ae::socket_test::ScopedHostsFile;
using ae::testing::BlackHole;

// Every test runs on each backend, over IPv4 and IPv6.
class TcpConnectTest : public ::testing::TestWithParam<std::tuple<std::string, int>> {
 protected:
  int family() const { return std::get<1>(GetParam()); }
  std::string host() const { return loopback(family()); }

  ae::socket_test::TestLoop loop_{std::get<0>(GetParam())};
  ScopedEnv protocols_{"AE_PROTOCOLS", std::nullopt};
};

// A server that greets each client with "hi <host> <port>\n" and records what it saw.
struct Greeter {
  explicit Greeter(const std::string& host) {
    auto s = ae::tcp_server(host, "0", [this](int fd, const std::string& h, std::uint16_t p) {
      peers.push_back(h + " " + std::to_string(p));
      std::string hello = "hi " + peers.back() + "\n";
      EXPECT_TRUE(ae::socket_test::write_all(fd, hello));
      ::close(fd);
    });
    EXPECT_TRUE(s) << s.message();
    if (s) server = std::move(*s);
  }
  std::string port() const { return std::to_string(server.port()); }
  ae::TcpServer server;
  std::vector<std::string> peers;
};

TEST_P(TcpConnectTest, ConnectsToAListeningServer) {
  Greeter greeter(host());
  Outcome o = connect_and_wait(host(), greeter.port());
  ASSERT_FALSE(o.ec) << o.ec.message();
  ASSERT_GE(o.fd, 0);
  EXPECT_EQ(o.peer.family(), family());
  EXPECT_EQ(o.peer.host(), host());
  EXPECT_EQ(o.peer.port(), greeter.server.port());
  EXPECT_TRUE(ae::socket_test::nonblocking_cloexec(o.fd));

  ae::SocketAddress local;
  socklen_t size = local.capacity();
  ASSERT_EQ(getsockname(o.fd, local.get(), &size), 0);
  local.set_size(size);
  std::string expected = host() + " " + std::to_string(local.port());
  EXPECT_EQ(ae::socket_test::read_some(o.fd), "hi " + expected + "\n");
  ::close(o.fd);
  EXPECT_EQ(greeter.peers, std::vector<std::string>{expected});
}

TEST_P(TcpConnectTest, ReportsConnectionRefusedForAClosedPort) {
  ae::SocketAddress bound;
  int fd =
      ae::socket_test::bind_without_listening(*ae::SocketAddress::from_numeric(host(), 0), &bound);
  ASSERT_GE(fd, 0);
  Outcome o = connect_and_wait(host(), std::to_string(bound.port()));
  EXPECT_EQ(o.ec, std::errc::connection_refused) << o.ec.message();
  EXPECT_EQ(o.fd, -1);
  const std::string port = std::to_string(bound.port());
  const std::string target =
      family() == AF_INET6 ? "[" + host() + "]:" + port : host() + ":" + port;
  EXPECT_EQ(o.error,
            "connect to " + target + " (last tried " + bound.to_string() + "): " + o.ec.message());
  ::close(fd);
}

TEST_P(TcpConnectTest, TimesOutOnABlackHoleAfterThePrepareTimeout) {
  auto hole = BlackHole::make(host());
  ASSERT_TRUE(hole);
  int prepared = 0;
  Outcome o = connect_and_wait(host(), std::to_string(hole->port()), [&](int fd) {
    ++prepared;
    EXPECT_TRUE(ae::socket_test::nonblocking_cloexec(fd));
    return ae::Seconds(0.3);
  });
  EXPECT_EQ(o.ec, std::errc::timed_out) << o.ec.message();
  EXPECT_EQ(o.fd, -1);
  EXPECT_EQ(prepared, 1);
  EXPECT_GE(o.seconds, 0.29);  // the kernel alone would take minutes, past connect_and_wait's limit
}

TEST_P(TcpConnectTest, LetsPrepareBindTheSocket) {
  Greeter greeter(host());
  std::uint16_t bound_port = 0;
  Outcome o = connect_and_wait(host(), greeter.port(), [&](int fd) {
    auto local = ae::SocketAddress::from_numeric(host(), 0);
    EXPECT_EQ(::bind(fd, local->get(), local->size()), 0);
    socklen_t size = local->capacity();
    ::getsockname(fd, local->get(), &size);
    local->set_size(size);
    bound_port = local->port();
    return ae::Seconds(0);
  });
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(ae::socket_test::read_some(o.fd),
            "hi " + host() + " " + std::to_string(bound_port) + "\n");
  ::close(o.fd);
}

TEST_P(TcpConnectTest, TakesAnInfiniteOrNegativeTimeoutAsTheKernels) {
  Greeter greeter(host());
  for (double t :
       {std::numeric_limits<double>::infinity(), -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    Outcome o = connect_and_wait(host(), greeter.port(), [t](int) { return ae::Seconds(t); });
    ASSERT_FALSE(o.ec) << t << ": " << o.ec.message();
    ::close(o.fd);
  }
}

TEST_P(TcpConnectTest, DestroyingTheGuardCancelsBeforeResolution) {
  Greeter greeter(host());
  bool called = false;
  {
    ae::Guard g = ae::tcp_connect(host(), greeter.port(),
                                  [&](std::error_code, ae::Connection) { called = true; });
  }
  ae::CondVar<> never;
  EXPECT_FALSE(never.wait_for(0.1s));
  EXPECT_FALSE(called);
  EXPECT_TRUE(greeter.peers.empty());
}

TEST_P(TcpConnectTest, DestroyingTheGuardClosesPendingAttempts) {
  auto hole = BlackHole::make(host());
  ASSERT_TRUE(hole);
  bool called = false;
  ae::CondVar<int> prepared;
  ae::Guard g = ae::tcp_connect(
      host(), std::to_string(hole->port()), [&](std::error_code, ae::Connection) { called = true; },
      [&](int fd) {
        prepared.send(fd);
        return ae::Seconds(0.2);  // would fail with ETIMEDOUT, were it not cancelled
      });
  ASSERT_TRUE(prepared.wait_for(5s));
  int fd = prepared.recv();
  EXPECT_FALSE(ae::socket_test::is_closed(fd));
  g.reset();
  EXPECT_TRUE(ae::socket_test::is_closed(fd));
  ae::CondVar<> never;
  EXPECT_FALSE(never.wait_for(0.4s));
  EXPECT_FALSE(called);
}

TEST_P(TcpConnectTest, ReportsResolutionErrors) {
  ScopedHostsFile no_hosts("");
  Outcome unknown = connect_and_wait("name.invalid", "80");
  EXPECT_EQ(unknown.ec, ae::ResolveError::kNeedsDns) << unknown.ec.message();
  EXPECT_EQ(unknown.fd, -1);
  Outcome bad_service = connect_and_wait(host(), "no-such-service");
  EXPECT_EQ(bad_service.ec, ae::ResolveError::kUnknownService);
}

TEST_P(TcpConnectTest, IsTheDefaultConnector) {
  Greeter greeter(host());
  ae::CondVar<std::error_code, int> done;
  ae::Guard g = ae::default_connector().connect(
      host(), greeter.port(), [&](std::error_code ec, ae::Connection c) { done.send(ec, c.fd); },
      [](int) { return ae::Seconds(5); });
  ASSERT_TRUE(done.wait_for(5s));
  auto [ec, fd] = done.recv();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_NE(ae::socket_test::read_some(fd).find("hi "), std::string::npos);
  ::close(fd);
}

INSTANTIATE_TEST_SUITE_P(BackendsAndFamilies, TcpConnectTest,
                         ::testing::Combine(::testing::ValuesIn(ae::socket_test::kBackends),
                                            ::testing::Values(AF_INET, AF_INET6)),
                         ae::socket_test::backend_and_family_name);

// Tests that do not depend on the address family run on each backend.
class TcpConnectBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  ae::socket_test::TestLoop loop_{GetParam()};
  ScopedEnv protocols_{"AE_PROTOCOLS", std::nullopt};
};

TEST_P(TcpConnectBackendTest, ConnectsToUnixDomainSockets) {
  std::string path = ae::socket_test::temp_socket_path("connect");
  std::vector<std::string> peers;
  auto server = ae::tcp_server("unix/", path, [&](int fd, const std::string& h, std::uint16_t p) {
    peers.push_back(h + " " + std::to_string(p));
    EXPECT_TRUE(ae::socket_test::nonblocking_cloexec(fd));
    EXPECT_TRUE(ae::socket_test::write_all(fd, "unix hello"));
    ::close(fd);
  });
  ASSERT_TRUE(server) << server.message();
  Outcome o = connect_and_wait("unix/", path);
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.peer.to_string(), "unix/:" + path);
  EXPECT_TRUE(ae::socket_test::nonblocking_cloexec(o.fd));
  EXPECT_EQ(ae::socket_test::read_some(o.fd), "unix hello");
  ::close(o.fd);
  EXPECT_EQ(peers, std::vector<std::string>{"unix/ 0"});
}

TEST_P(TcpConnectBackendTest, ReportsAMissingUnixSocket) {
  Outcome o = connect_and_wait("unix/", ae::socket_test::temp_socket_path("missing"));
  EXPECT_EQ(o.ec, std::errc::no_such_file_or_directory) << o.ec.message();
}

// AnyEvent's $retry: after a success, the remaining addresses are still available.
TEST_P(TcpConnectBackendTest, RetryContinuesWithTheRemainingAddresses) {
  Greeter first("127.0.0.1");
  auto second_server =
      ae::tcp_server("127.0.0.2", first.port(), [](int fd, const std::string&, std::uint16_t) {
        EXPECT_TRUE(ae::socket_test::write_all(fd, "second"));
        ::close(fd);
      });
  ASSERT_TRUE(second_server) << second_server.message();
  ScopedHostsFile hosts("127.0.0.1 two.test\n127.0.0.2 two.test\n");

  std::vector<std::string> outcomes;
  ae::CondVar<> done;
  bool inside_retry = false;
  ae::Guard g =
      ae::tcp_connect("two.test", first.port(), [&](std::error_code ec, ae::Connection c) {
        EXPECT_FALSE(inside_retry) << "the callback ran inside retry()";
        if (ec) {
          outcomes.push_back("error " + ec.message());
          done.send();
          return;
        }
        // The servers run on this loop, so nothing is read here; the peer says who answered.
        outcomes.push_back(c.peer.to_string());
        ::close(c.fd);
        inside_retry = true;
        c.retry();
        inside_retry = false;
      });
  ASSERT_TRUE(done.wait_for(5s));
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0], "127.0.0.1:" + first.port());
  EXPECT_EQ(outcomes[1], "127.0.0.2:" + first.port());
  EXPECT_EQ(outcomes[2],
            "error " + std::make_error_code(std::errc::no_such_device_or_address).message());
}

TEST_P(TcpConnectBackendTest, DestroyingTheGuardInsideTheCallbackIsSafe) {
  Greeter greeter("127.0.0.1");
  ae::CondVar<> done;
  std::optional<ae::Guard> g;
  g.emplace(ae::tcp_connect("127.0.0.1", greeter.port(), [&](std::error_code ec, ae::Connection c) {
    EXPECT_FALSE(ec);
    g.reset();  // destroys the tcp_connect state's owner from inside its callback
    c.retry();  // a no-op once cancelled
    ::close(c.fd);
    done.send();
  }));
  ASSERT_TRUE(done.wait_for(5s));
}

TEST_P(TcpConnectBackendTest, RejectsAnEmptyCallback) {
  EXPECT_THROW({ ae::Guard g = ae::tcp_connect("127.0.0.1", "1", nullptr); },
               std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Backends, TcpConnectBackendTest,
                         ::testing::ValuesIn(ae::socket_test::kBackends));

}  // namespace
