#include "socket/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"
#include "core/resolver.h"
#include "tests/socket/support/env.h"
#include "tests/socket/support/sockets.h"
#include "tests/socket/support/test_loop.h"
#include "tests/support/run_until.h"

namespace {

using namespace std::chrono_literals;
using ae::socket_test::loopback;
using ae::socket_test::ScopedEnv;

// A blocking client socket connected to `to` (the kernel completes the handshake on its own).
int raw_connect(const ae::SocketAddress& to) {
  int fd = ::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, to.get(), to.size()) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

ae::SocketAddress local_of(int fd) {
  ae::SocketAddress a;
  socklen_t size = a.capacity();
  ::getsockname(fd, a.get(), &size);
  a.set_size(size);
  return a;
}

bool listening(int fd) {
  int on = 0;
  socklen_t len = sizeof on;
  return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on != 0;
}

// A listening TCP socket's backlog as the kernel keeps it (Linux reports it in TCP_INFO's
// tcpi_sacked for sockets in LISTEN).
int listen_backlog(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) return -1;
  return static_cast<int>(info.tcpi_sacked);
}

// The connections waiting in a listening TCP socket's accept queue (Linux reports the count in
// TCP_INFO's tcpi_unacked for sockets in LISTEN).
int accept_queue_length(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) return -1;
  return static_cast<int>(info.tcpi_unacked);
}

// Runs the current loop through `n` iterations that do not wait.
void spin_loop(int n) {
  for (int i = 0; i < n; ++i) ae::Loop::current().run_once(false);
}

// The kernel's cap on listen backlogs.
int somaxconn() {
  int value = -1;
  std::ifstream("/proc/sys/net/core/somaxconn") >> value;
  return value;
}

const auto close_it = [](int fd, const std::string&, std::uint16_t) { ::close(fd); };

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

class TcpServerTest : public ::testing::TestWithParam<std::tuple<std::string, int>> {
 protected:
  int family() const { return std::get<1>(GetParam()); }
  std::string host() const { return loopback(family()); }
  ae::SocketAddress at(std::uint16_t port) const {
    return *ae::SocketAddress::from_numeric(host(), port);
  }

  ae::socket_test::TestLoop loop_{std::get<0>(GetParam())};
  ScopedEnv protocols_{"AE_PROTOCOLS", std::nullopt};
};

TEST_P(TcpServerTest, PortZeroPicksAPortThatPrepareLearnsBeforeListen) {
  int prepared = 0;
  std::uint16_t seen_port = 0;
  auto server = ae::tcp_server(
      host(), "0", [](int fd, const std::string&, std::uint16_t) { ::close(fd); },
      [&](int fd, const std::string& h, std::uint16_t port) {
        ++prepared;
        EXPECT_EQ(h, host());
        EXPECT_FALSE(listening(fd)) << "prepare runs before listen(2)";
        seen_port = port;
        return 5;
      });
  ASSERT_TRUE(server) << server.message();
  EXPECT_EQ(prepared, 1);
  EXPECT_NE(seen_port, 0);
  EXPECT_EQ(server->port(), seen_port);
  EXPECT_EQ(server->host(), host());
  EXPECT_TRUE(listening(server->fd()));
  EXPECT_TRUE(ae::socket_test::nonblocking_cloexec(server->fd()));
}

TEST_P(TcpServerTest, HandsOverNonBlockingSocketsWithThePeerAddress) {
  ae::CondVar<int, std::string, std::uint16_t> accepted;
  auto server = ae::tcp_server(
      host(), "", [&](int fd, const std::string& h, std::uint16_t p) { accepted.send(fd, h, p); });
  ASSERT_TRUE(server) << server.message();
  int client = raw_connect(at(server->port()));
  ASSERT_GE(client, 0);
  ASSERT_TRUE(accepted.wait_for(5s));
  auto [fd, h, p] = accepted.recv();
  EXPECT_TRUE(ae::socket_test::nonblocking_cloexec(fd));
  EXPECT_EQ(h, host());
  EXPECT_EQ(p, local_of(client).port());
  EXPECT_TRUE(ae::socket_test::write_all(fd, "ping"));
  EXPECT_EQ(ae::socket_test::read_some(client), "ping");
  ::close(fd);
  ::close(client);
}

TEST_P(TcpServerTest, AcceptsEveryPendingConnectionPerReadiness) {
  std::vector<int> accepted;
  ae::CondVar<std::size_t> after_first_wakeup;
  auto server = ae::tcp_server(host(), "0", [&](int fd, const std::string&, std::uint16_t) {
    if (accepted.empty()) {
      // Runs after the accept watcher's callback returns: by then it has taken every client.
      ae::postpone([&] { after_first_wakeup.send(accepted.size()); });
    }
    accepted.push_back(fd);
  });
  ASSERT_TRUE(server) << server.message();
  std::vector<int> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(raw_connect(at(server->port())));
  for (int c : clients) ASSERT_GE(c, 0);
  ASSERT_TRUE(after_first_wakeup.wait_for(5s));
  EXPECT_EQ(after_first_wakeup.recv(), 5u);
  for (int fd : accepted) ::close(fd);
  for (int fd : clients) ::close(fd);
}

TEST_P(TcpServerTest, AcceptsAtMostItsCapPerReadinessAndTheRestInLaterIterations) {
  std::vector<int> accepted;
  std::vector<std::size_t> batches;  // connections accepted per readiness
  std::size_t batch = 0;
  ae::CondVar<> all_accepted;
  ae::ServerSocketOptions options;
  options.max_accepts_per_wakeup = 2;
  auto server = ae::tcp_server(
      host(), "0",
      [&](int fd, const std::string&, std::uint16_t) {
        if (batch++ == 0) {
          // Runs once the accept watcher's callback has returned.
          ae::postpone([&] {
            batches.push_back(std::exchange(batch, 0));
            if (accepted.size() == 5) all_accepted.send();
          });
        }
        accepted.push_back(fd);
      },
      nullptr, options);
  ASSERT_TRUE(server) << server.message();
  std::vector<int> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(raw_connect(at(server->port())));
  for (int c : clients) ASSERT_GE(c, 0);
  ASSERT_TRUE(all_accepted.wait_for(5s));
  EXPECT_EQ(batches, (std::vector<std::size_t>{2, 2, 1}));
  for (int fd : accepted) ::close(fd);
  for (int fd : clients) ::close(fd);
}

TEST_P(TcpServerTest, StopsAcceptingAtMaxConnectionsAndResumesWhenOneCloses) {
  std::vector<std::pair<int, ae::Guard>> accepted;
  ae::ServerSocketOptions options;
  options.max_connections = 2;
  auto server = ae::tcp_server(
      host(), "0",
      [&](int fd, const std::string&, std::uint16_t, ae::Guard connection) {
        accepted.emplace_back(fd, std::move(connection));
      },
      nullptr, options);
  ASSERT_TRUE(server) << server.message();
  std::vector<int> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(raw_connect(at(server->port())));
  for (int c : clients) ASSERT_GE(c, 0);
  auto waiting = [&] { return accept_queue_length(server->fd()); };
  // Each handshake completes in the kernel; the two allowed are taken, the rest wait.
  ASSERT_TRUE(ae::testing::run_until([&] { return accepted.size() == 2; }));
  ae::Timer tick = ae::timer(0.0, 0.001, [] {});  // iterations to see the queue fill
  ASSERT_TRUE(ae::testing::run_until([&] { return waiting() == 3; })) << waiting();
  spin_loop(20);
  EXPECT_EQ(accepted.size(), 2u) << "accepted beyond max_connections";
  EXPECT_EQ(waiting(), 3);

  // A connection that ends frees its place: exactly one more is taken.
  ::close(accepted.front().first);
  accepted.front().second.reset();
  ASSERT_TRUE(ae::testing::run_until([&] { return accepted.size() == 3; }));
  spin_loop(20);
  EXPECT_EQ(accepted.size(), 3u);
  EXPECT_EQ(waiting(), 2);

  // Places freed while over the limit and the last ones: everything is accepted.
  for (std::size_t i = 1; i < accepted.size(); ++i) accepted[i].second.reset();
  ASSERT_TRUE(ae::testing::run_until([&] { return accepted.size() == 5; }));
  EXPECT_EQ(waiting(), 0);
  // Guards that outlive their server do nothing.
  server->close();
  for (std::size_t i = 1; i < accepted.size(); ++i) ::close(accepted[i].first);
  accepted.clear();
  for (int fd : clients) ::close(fd);
}

TEST_P(TcpServerTest, DroppingTheGuardInsideTheAcceptCallbackKeepsAccepting) {
  int accepted = 0;
  ae::ServerSocketOptions options;
  options.max_connections = 1;
  auto server = ae::tcp_server(
      host(), "0",
      [&](int fd, const std::string&, std::uint16_t, ae::Guard) {
        ++accepted;
        ::close(fd);  // refused at once: the Guard goes with this call
      },
      nullptr, options);
  ASSERT_TRUE(server) << server.message();
  std::vector<int> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(raw_connect(at(server->port())));
  ASSERT_TRUE(ae::testing::run_until([&] { return accepted == 4; }));
  for (int fd : clients) ::close(fd);
}

TEST_P(TcpServerTest, LimitsTheAcceptRateWithoutSpinning) {
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> times;
  ae::ServerSocketOptions options;
  options.max_accepts_per_second = 50;
  options.accept_burst = 2;
  auto server = ae::tcp_server(
      host(), "0",
      [&](int fd, const std::string&, std::uint16_t) {
        times.push_back(Clock::now());
        ::close(fd);
      },
      nullptr, options);
  ASSERT_TRUE(server) << server.message();
  std::vector<int> clients;
  for (int i = 0; i < 6; ++i) clients.push_back(raw_connect(at(server->port())));
  for (int c : clients) ASSERT_GE(c, 0);
  // While the bucket is empty the listening socket is not watched: waiting clients do not wake
  // the loop, so it goes through few iterations (a spinning one would go through thousands).
  int iterations = 0;
  ae::Prepare count = ae::prepare([&] { ++iterations; });
  ASSERT_TRUE(ae::testing::run_until([&] { return times.size() == 6; }));
  // Two at once (the burst), then the other four at 50 a second: at least 80 ms.
  EXPECT_GE(times.back() - times.front(), std::chrono::milliseconds(79));
  EXPECT_LT(iterations, 200);
  for (int fd : clients) ::close(fd);
}

TEST_P(TcpServerTest, ListensWithSomaxconnUnlessPrepareSaysOtherwise) {
  auto by_default = ae::tcp_server(host(), "0", close_it);
  ASSERT_TRUE(by_default) << by_default.message();
  EXPECT_EQ(listen_backlog(by_default->fd()), std::min(SOMAXCONN, somaxconn()));
  auto zero = ae::tcp_bind(host(), "0", [](int, const std::string&, std::uint16_t) { return 0; });
  ASSERT_TRUE(zero) << zero.message();
  EXPECT_EQ(listen_backlog(zero->fd()), std::min(SOMAXCONN, somaxconn()));
  auto five = ae::tcp_bind(host(), "0", [](int, const std::string&, std::uint16_t) { return 5; });
  ASSERT_TRUE(five) << five.message();
  EXPECT_EQ(listen_backlog(five->fd()), 5);
}

TEST_P(TcpServerTest, BeforeBindRunsOnTheUnboundSocketSoReusePortCanBeSet) {
  int calls = 0;
  ae::ServerSocketOptions by_hand;
  by_hand.before_bind = [&](int fd) {
    ++calls;
    EXPECT_EQ(local_of(fd).port(), 0) << "before_bind runs before bind(2)";
    EXPECT_FALSE(listening(fd));
    int on = 1;
    EXPECT_EQ(::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on), 0);
  };
  auto first = ae::tcp_server(host(), "0", close_it, nullptr, by_hand);
  ASSERT_TRUE(first) << first.message();
  EXPECT_EQ(calls, 1);
  // A second listener on the same port, with the option instead of the hook: the kernel shares
  // the port between sockets that both set SO_REUSEPORT before binding.
  auto second = ae::tcp_server(host(), std::to_string(first->port()), close_it, nullptr,
                               ae::ServerSocketOptions{.reuse_port = true});
  ASSERT_TRUE(second) << second.message();
  EXPECT_EQ(second->port(), first->port());
  // Without it, the port is taken.
  auto third = ae::tcp_server(host(), std::to_string(first->port()), close_it);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.code(), std::errc::address_in_use);
}

TEST_P(TcpServerTest, DestroyingTheServerStopsListening) {
  auto server =
      ae::tcp_server(host(), "0", [](int fd, const std::string&, std::uint16_t) { ::close(fd); });
  ASSERT_TRUE(server) << server.message();
  std::uint16_t port = server->port();
  int fd = server->fd();
  server->close();
  EXPECT_FALSE(*server);
  EXPECT_EQ(server->fd(), -1);
  EXPECT_TRUE(ae::socket_test::is_closed(fd));
  EXPECT_EQ(raw_connect(at(port)), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
}

TEST_P(TcpServerTest, CanBeDestroyedInsideItsAcceptCallback) {
  int calls = 0;
  std::optional<ae::TcpServer> server;
  auto s = ae::tcp_server(host(), "0", [&](int fd, const std::string&, std::uint16_t) {
    ++calls;
    ::close(fd);
    server.reset();  // two more connections are pending; none is accepted after this
  });
  ASSERT_TRUE(s) << s.message();
  std::uint16_t port = s->port();
  server.emplace(std::move(*s));
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(raw_connect(at(port)));
  ae::CondVar<> settle;
  EXPECT_FALSE(settle.wait_for(0.2s));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(server);
  for (int fd : clients) ::close(fd);
}

TEST_P(TcpServerTest, ReportsAPortInUse) {
  auto first = ae::tcp_bind(host(), "0");
  ASSERT_TRUE(first) << first.message();
  auto second = ae::tcp_server(host(), std::to_string(first->port()),
                               [](int fd, const std::string&, std::uint16_t) { ::close(fd); });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.code(), std::errc::address_in_use);
  EXPECT_NE(second.message().find("bind"), std::string::npos) << second.message();
}

TEST_P(TcpServerTest, LooksUpServiceNamesAndRejectsUnknownOnes) {
  auto unknown = ae::tcp_bind(host(), "no-such-service");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.code(), ae::ResolveError::kUnknownService);
  auto fallback = ae::tcp_bind(host(), "no-such-service=0");
  ASSERT_TRUE(fallback) << fallback.message();
  EXPECT_NE(fallback->port(), 0);
}

INSTANTIATE_TEST_SUITE_P(BackendsAndFamilies, TcpServerTest,
                         ::testing::Combine(::testing::ValuesIn(ae::socket_test::kBackends),
                                            ::testing::Values(AF_INET, AF_INET6)),
                         ae::socket_test::backend_and_family_name);

class TcpServerBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  ae::socket_test::TestLoop loop_{GetParam()};
  ScopedEnv protocols_{"AE_PROTOCOLS", std::nullopt};
};

TEST_P(TcpServerBackendTest, EmptyHostIsIpv4AnyUnlessIpv6IsPreferred) {
  auto v4 = ae::tcp_bind("", "0");
  ASSERT_TRUE(v4) << v4.message();
  EXPECT_EQ(v4->host(), "0.0.0.0");
  ScopedEnv prefer6("AE_PROTOCOLS", "ipv6,ipv4");
  auto v6 = ae::tcp_bind("", "0");
  ASSERT_TRUE(v6) << v6.message();
  EXPECT_EQ(v6->host(), "::");
}

TEST_P(TcpServerBackendTest, ZeroIsIpv4AnyAndColonsAreIpv6Any) {
  auto zero = ae::tcp_bind("0", "0");
  ASSERT_TRUE(zero) << zero.message();
  EXPECT_EQ(zero->host(), "0.0.0.0");
  EXPECT_EQ(zero->local_address().family(), AF_INET);
  auto any6 = ae::tcp_bind("::", "0");
  ASSERT_TRUE(any6) << any6.message();
  EXPECT_EQ(any6->host(), "::");
  EXPECT_EQ(any6->local_address().family(), AF_INET6);
}

TEST_P(TcpServerBackendTest, Ipv6AnyAcceptsIpv4ClientsShownAsIpv4) {
  ae::CondVar<std::string> peer;
  auto server = ae::tcp_server("::", "0", [&](int fd, const std::string& h, std::uint16_t) {
    ::close(fd);
    peer.send(h);
  });
  ASSERT_TRUE(server) << server.message();
  int client = raw_connect(*ae::SocketAddress::from_numeric("127.0.0.1", server->port()));
  ASSERT_GE(client, 0);
  ASSERT_TRUE(peer.wait_for(5s));
  EXPECT_EQ(peer.recv(), "127.0.0.1");
  ::close(client);
}

TEST_P(TcpServerBackendTest, RejectsHostsThatAreNotNumericAddresses) {
  for (const char* bad : {"localhost", "1.2.3.4.5", "::g", "[::1]"}) {
    auto s = ae::tcp_bind(bad, "0");
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.code(), std::errc::invalid_argument) << bad;
    EXPECT_NE(s.message().find("cannot parse"), std::string::npos) << s.message();
  }
}

TEST_P(TcpServerBackendTest, ServesUnixSocketsAndUnlinksThemWhenDone) {
  std::string path = ae::socket_test::temp_socket_path("server");
  ae::CondVar<std::string, std::uint16_t> accepted;
  {
    auto server = ae::tcp_server("unix/", path, [&](int fd, const std::string& h, std::uint16_t p) {
      EXPECT_TRUE(ae::socket_test::nonblocking_cloexec(fd));
      ::close(fd);
      accepted.send(h, p);
    });
    ASSERT_TRUE(server) << server.message();
    EXPECT_EQ(server->host(), "unix/");
    EXPECT_EQ(server->port(), 0);
    EXPECT_TRUE(exists(path));
    int client = raw_connect(*ae::SocketAddress::unix_path(path));
    ASSERT_GE(client, 0);
    ASSERT_TRUE(accepted.wait_for(5s));
    EXPECT_EQ(accepted.recv(), std::make_tuple(std::string("unix/"), std::uint16_t{0}));
    ::close(client);
  }
  EXPECT_FALSE(exists(path));
}

TEST_P(TcpServerBackendTest, ReplacesAStaleUnixSocketFile) {
  std::string path = ae::socket_test::temp_socket_path("stale");
  std::ofstream(path) << "left over";
  auto server = ae::tcp_bind("unix/", path);
  ASSERT_TRUE(server) << server.message();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
}

TEST_P(TcpServerBackendTest, LeavesAPathAloneThatNoLongerNamesItsSocket) {
  std::string path = ae::socket_test::temp_socket_path("replaced");
  {
    auto server = ae::tcp_bind("unix/", path);
    ASSERT_TRUE(server) << server.message();
    ASSERT_EQ(::unlink(path.c_str()), 0);
    std::ofstream(path) << "someone else's file";
  }
  EXPECT_TRUE(exists(path));
  ::unlink(path.c_str());
}

TEST_P(TcpServerBackendTest, RejectsUnusableUnixPaths) {
  auto too_long = ae::tcp_bind("unix/", "/tmp/" + std::string(200, 'x'));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.code(), std::errc::invalid_argument);
  auto empty = ae::tcp_bind("unix/", "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.code(), std::errc::invalid_argument);
}

TEST_P(TcpServerBackendTest, TcpBindListensWithoutAccepting) {
  auto bound = ae::tcp_bind("127.0.0.1", "0");
  ASSERT_TRUE(bound) << bound.message();
  EXPECT_TRUE(listening(bound->fd()));
  int client = raw_connect(bound->local_address());
  ASSERT_GE(client, 0);
  ae::CondVar<> settle;
  EXPECT_FALSE(settle.wait_for(0.05s));
  // Nothing accepted the connection: it is still in the queue for the caller.
  int fd = ::accept4(bound->fd(), nullptr, nullptr, SOCK_CLOEXEC);
  EXPECT_GE(fd, 0);
  ::close(fd);
  ::close(client);
}

TEST_P(TcpServerBackendTest, MovesAndReportsItsState) {
  ae::TcpServer empty;
  EXPECT_FALSE(empty);
  EXPECT_EQ(empty.fd(), -1);
  EXPECT_EQ(empty.port(), 0);
  auto made = ae::tcp_bind("127.0.0.1", "0");
  ASSERT_TRUE(made);
  ae::TcpServer moved = std::move(*made);
  EXPECT_TRUE(moved);
  EXPECT_FALSE(*made);
  int fd = moved.fd();
  moved = ae::TcpServer();  // closes the listener
  EXPECT_TRUE(ae::socket_test::is_closed(fd));
}

TEST_P(TcpServerBackendTest, RejectsAnEmptyAcceptCallback) {
  EXPECT_THROW((void)ae::tcp_server("127.0.0.1", "0", nullptr), std::invalid_argument);
}

TEST_P(TcpServerBackendTest, RejectsLimitsItCannotKeep) {
  ae::ServerSocketOptions counted;
  counted.max_connections = 3;
  EXPECT_THROW((void)ae::tcp_server("127.0.0.1", "0", close_it, nullptr, counted),
               std::invalid_argument)
      << "max_connections cannot count connections whose end it never learns";
  for (double rate : {-1.0, std::nan(""), HUGE_VAL}) {
    ae::ServerSocketOptions options;
    options.max_accepts_per_second = rate;
    EXPECT_THROW((void)ae::tcp_server("127.0.0.1", "0", close_it, nullptr, options),
                 std::invalid_argument)
        << rate;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, TcpServerBackendTest,
                         ::testing::ValuesIn(ae::socket_test::kBackends));

}  // namespace
