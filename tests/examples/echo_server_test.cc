// The echo_server example under load and abuse, and echo_client against it and against peers
// that misbehave.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/examples/support/client.h"
#include "tests/examples/support/fake_server.h"
#include "tests/examples/support/process.h"
#include "tests/support/black_hole.h"

namespace ae::examples_test {
namespace {

using std::chrono::milliseconds;

std::string random_bytes(std::size_t n) {
  std::mt19937 rng(42);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// The resident set of process `pid` in KiB, from /proc.
long rss_kib(pid_t pid) {
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  std::size_t at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}

TEST(EchoServerTest, EchoesEachLineWithItsOwnLineEnd) {
  auto server = Process::start_server("echo_server");
  TestClient c(server->port());
  ASSERT_TRUE(c.send("one\r\ntwo\nthree\r\n"));
  ASSERT_TRUE(c.read_until("three\r\n"));
  EXPECT_EQ(c.received(), "one\r\ntwo\nthree\r\n");
}

TEST(EchoServerTest, ServesManyClientsAtOnce) {
  auto server = Process::start_server("echo_server", {"--quiet"});
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 50; ++i) clients.push_back(std::make_unique<TestClient>(server->port()));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(clients[i]->send("client " + std::to_string(i) + " round " +
                                   std::to_string(round) + "\n"));
    }
  }
  for (int i = 0; i < 50; ++i) {
    std::string last = "client " + std::to_string(i) + " round 2\n";
    ASSERT_TRUE(clients[i]->read_until(last)) << i;
    EXPECT_EQ(clients[i]->received(), "client " + std::to_string(i) + " round 0\nclient " +
                                          std::to_string(i) + " round 1\n" + last);
  }
}

TEST(EchoServerTest, ALineOverTheLimitClosesOnlyThatConnection) {
  auto server = Process::start_server("echo_server", {"--max-line", "100"});
  TestClient other(server->port());
  TestClient c(server->port());
  ASSERT_TRUE(c.send(std::string(1000, 'x') + "\n"));
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(c.received(), "");
  EXPECT_TRUE(server->wait_for_err("line longer than 100 bytes"));
  ASSERT_TRUE(other.send("still here\n"));
  EXPECT_TRUE(other.read_until("still here\n"));
}

TEST(EchoServerTest, AnUnterminatedLastLineIsReportedNotDroppedSilently) {
  auto server = Process::start_server("echo_server");
  TestClient c(server->port());
  ASSERT_TRUE(c.send("whole\npartial"));
  c.shutdown_write();
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(c.received(), "whole\n");
  EXPECT_TRUE(server->wait_for_err("closed by the client with 7 received bytes not echoed"));
}

TEST(EchoServerTest, BytesModeEchoesBinaryDataExactly) {
  auto server = Process::start_server("echo_server", {"--mode", "bytes"});
  TestClient c(server->port());
  std::string data = random_bytes(1 << 20);
  for (std::size_t at = 0; at < data.size(); at += 65536) {
    ASSERT_TRUE(c.send(std::string_view(data).substr(at, 65536)));
    ASSERT_TRUE(c.read_size(std::min(at + 65536, data.size()))) << at;
  }
  EXPECT_EQ(c.received(), data);
}

// A client that only writes: the server stops reading from it instead of buffering its echoes
// without end, so the client's writes block (TCP flow control), and once it reads, every byte
// comes back.
TEST(EchoServerTest, AClientThatDoesNotReadIsThrottledNotBuffered) {
  auto server = Process::start_server("echo_server", {"--mode", "bytes"});
  long rss_before = rss_kib(server->pid());
  TestClient c(server->port());
  ::fcntl(c.fd(), F_SETFL, O_NONBLOCK);
  std::string chunk(65536, 'z');
  std::size_t sent = 0;
  const std::size_t limit = 256u << 20;
  while (sent < limit) {
    ssize_t n = ::send(c.fd(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    ASSERT_EQ(errno, EAGAIN);
    // Blocked: does the server take more within half a second? If not, it stopped reading.
    pollfd p{c.fd(), POLLOUT, 0};
    if (::poll(&p, 1, 500) == 0) break;
  }
  EXPECT_LT(sent, limit) << "the server kept reading from a client that reads nothing";
  long rss_after = rss_kib(server->pid());
  EXPECT_LT(rss_after - rss_before, 8 * 1024)
      << "server RSS grew by " << rss_after - rss_before << " KiB";
  ::fcntl(c.fd(), F_SETFL, 0);
  EXPECT_TRUE(c.read_size(sent, milliseconds(30000)));
  EXPECT_EQ(c.received().size(), sent);
}

TEST(EchoServerTest, IdleClientsAreDisconnected) {
  auto server = Process::start_server("echo_server", {"--idle-timeout", "0.3"});
  TestClient c(server->port());
  EXPECT_TRUE(c.wait_closed(milliseconds(5000)));
  EXPECT_TRUE(server->wait_for_err("idle timeout"));
}

TEST(EchoServerTest, MoreClientsThanTheLimitAreRefused) {
  auto server = Process::start_server("echo_server", {"--max-clients", "1"});
  TestClient first(server->port());
  ASSERT_TRUE(first.send("a\n"));
  ASSERT_TRUE(first.read_until("a\n"));
  TestClient second(server->port());
  EXPECT_TRUE(second.wait_closed());
  EXPECT_TRUE(server->wait_for_err("refused: already serving 1 clients"));
}

// The backlog the kernel keeps for the listening socket on `port`: ss(8) shows it as the
// Send-Q of a socket in LISTEN.
std::optional<long> listen_backlog(std::uint16_t port) {
  Outcome r = run({"/usr/bin/ss", "-Hltn", "sport = :" + std::to_string(port)});
  std::istringstream fields(r.out);
  std::string state;
  long recv_q = -1, send_q = -1;
  if (r.exit_code != 0 || !(fields >> state >> recv_q >> send_q) || state != "LISTEN") {
    return std::nullopt;
  }
  return send_q;
}

TEST(EchoServerTest, BacklogSetsTheListenQueue) {
  if (::access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "needs ss(8) from iproute2";
  auto server = Process::start_server("echo_server", {"--backlog", "7"});
  EXPECT_EQ(listen_backlog(server->port()), 7);
  auto by_default = Process::start_server("echo_server");
  long somaxconn = std::stol(read_file("/proc/sys/net/core/somaxconn"));
  EXPECT_EQ(listen_backlog(by_default->port()), std::min<long>(SOMAXCONN, somaxconn));
  Outcome bad = run({example("echo_server"), "--backlog", "0"});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(EchoServerTest, SigtermStopsItCleanly) {
  auto server = Process::start_server("echo_server");
  std::optional<int> status = server->stop(SIGTERM);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  EXPECT_NE(server->err().find("stopping"), std::string::npos);
}

TEST(EchoServerTest, AnAddressInUseIsAClearError) {
  auto server = Process::start_server("echo_server");
  Outcome r = run({example("echo_server"), "--listen", server->address()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("in use"), std::string::npos) << r.err;
}

TEST(EchoClientTest, SendsLinesOverSeveralConnectionsAndChecksThem) {
  auto server = Process::start_server("echo_server", {"--quiet"});
  Outcome r = run({example("echo_client"), "-n", "5", server->address(), "first", "second line"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (int i = 1; i <= 5; ++i) {
    std::string n = std::to_string(i);
    EXPECT_NE(r.out.find(n + ": first\n" + n + ": second line\n"), std::string::npos) << r.out;
  }
  EXPECT_NE(r.err.find("2 lines x 5 connections: 0 failed"), std::string::npos) << r.err;
}

TEST(EchoClientTest, ReadsLinesFromStandardInput) {
  auto server = Process::start_server("echo_server", {"--quiet"});
  Outcome r = run({example("echo_client"), server->address()}, "alpha\r\nbeta\n\ngamma\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "alpha\nbeta\n\ngamma\n");
}

TEST(EchoClientTest, AServerThatClosesEarlyIsReported) {
  FakeServer server([](Handle& h) {
    h.push_read(line, [](Handle& h, std::string l, std::string eol) {
      h.push_write(l + eol);
      h.push_shutdown();
    });
  });
  Outcome r = run({example("echo_client"), server.address(), "one", "two", "three"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "one\n");
  EXPECT_NE(r.err.find("closed the connection with 2 of 3 echoes missing"), std::string::npos)
      << r.err;
}

TEST(EchoClientTest, AWrongEchoIsReported) {
  FakeServer server([](Handle& h) {
    h.on_read([](Handle& h) {
      std::string s(h.rbuf().view());
      h.rbuf().clear();
      for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      h.push_write(s);
    });
  });
  Outcome r = run({example("echo_client"), server.address(), "quiet please"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sent \"quiet please\", got back \"QUIET PLEASE\""), std::string::npos)
      << r.err;
}

TEST(EchoClientTest, ARefusedConnectIsReported) {
  Outcome r = run({example("echo_client"), "127.0.0.1:" + std::to_string(free_port()), "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("connect:"), std::string::npos) << r.err;
}

TEST(EchoClientTest, AnAddressThatNeverAnswersTimesOutConnecting) {
  ae::testing::BlackHole hole;
  Outcome r = run({example("echo_client"), "-t", "0.3", hole.hostport(), "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("connect: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
}

TEST(EchoClientTest, ASilentServerTimesOut) {
  FakeServer server([](Handle&) {});
  Outcome r = run({example("echo_client"), "-t", "0.3", server.address(), "anyone?"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nothing from the server for"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ae::examples_test
