// //socket against a peer no one here wrote: socat (Debian's), as client of tcp_server and as
// server for tcp_connect, over IPv4, IPv6 and unix-domain sockets, all on this machine.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"
#include "socket/connect.h"
#include "socket/server.h"
#include "tests/socket/support/env.h"
#include "tests/socket/support/sockets.h"
#include "tests/socket/support/subprocess.h"
#include "tests/socket/support/test_loop.h"

namespace {

using namespace std::chrono_literals;
using ae::socket_test::Subprocess;

// socat's address for `host`:`port` (or a unix path when host is "unix/").
std::string socat_connect(const std::string& host, const std::string& port) {
  if (host == "unix/") return "UNIX-CONNECT:" + port;
  return host == "::1" ? "TCP6:[::1]:" + port : "TCP4:" + host + ":" + port;
}

std::string socat_listen(const std::string& host, const std::string& port) {
  if (host == "unix/") return "UNIX-LISTEN:" + port;
  return host == "::1" ? "TCP6-LISTEN:" + port + ",bind=[::1],reuseaddr"
                       : "TCP4-LISTEN:" + port + ",bind=" + host + ",reuseaddr";
}

// A port that was free a moment ago (for a peer that cannot report the one it picked).
std::string free_port(const std::string& host) {
  ae::SocketAddress bound;
  int fd =
      ae::socket_test::bind_without_listening(*ae::SocketAddress::from_numeric(host, 0), &bound);
  ::close(fd);
  return std::to_string(bound.port());
}

// Waits for `child` to exit through an ae::child watcher; returns its wait status (-1: timeout).
int wait_exit(Subprocess& child) {
  ae::CondVar<int> exited;
  ae::Child w = ae::child(child.pid(), [&](pid_t, int status) { exited.send(status); });
  if (!exited.wait_for(10s)) return -1;
  child.reaped();
  return exited.recv();
}

// Each test runs on each backend, for IPv4, IPv6 and a unix-domain socket.
class SocatInteropTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  std::string host() const { return std::get<1>(GetParam()); }

  ae::socket_test::TestLoop loop_{std::get<0>(GetParam())};
};

TEST_P(SocatInteropTest, SocatClientTalksToTcpServer) {
  std::string service = host() == "unix/" ? ae::socket_test::temp_socket_path("socat-client") : "0";
  std::string received;
  ae::CondVar<> peer_done;
  ae::Io reader;
  int conn = -1;
  auto server = ae::tcp_server(host(), service, [&](int fd, const std::string&, std::uint16_t) {
    conn = fd;
    EXPECT_TRUE(ae::socket_test::write_all(fd, "hello from ae\n"));
    reader = ae::io(fd, ae::kRead, [&] {
      char buf[256];
      ssize_t n = ::read(conn, buf, sizeof buf);
      if (n > 0) {
        received.append(buf, static_cast<std::size_t>(n));
        return;
      }
      if (n < 0 && errno == EAGAIN) return;
      reader.reset();  // EOF: socat sent everything and shut its side down
      ::close(conn);
      peer_done.send();
    });
  });
  ASSERT_TRUE(server) << server.message();
  std::string port = host() == "unix/" ? service : std::to_string(server->port());

  auto socat = Subprocess::spawn({"socat", "-t", "5", "-", socat_connect(host(), port)}, "ping\n");
  ASSERT_TRUE(socat);
  ASSERT_TRUE(peer_done.wait_for(10s));
  EXPECT_EQ(received, "ping\n");
  int status = wait_exit(*socat);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(socat->drain_stdout(), "hello from ae\n");
}

TEST_P(SocatInteropTest, TcpConnectReachesASocatServer) {
  std::string port =
      host() == "unix/" ? ae::socket_test::temp_socket_path("socat-server") : free_port(host());
  auto socat = Subprocess::spawn({"socat", socat_listen(host(), port), "SYSTEM:echo from-socat"});
  ASSERT_TRUE(socat);

  // socat listens a moment after it starts: connect until it answers, with a deadline.
  std::optional<ae::socket_test::Outcome> connected;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!connected && std::chrono::steady_clock::now() < deadline) {
    ae::socket_test::Outcome o = ae::socket_test::connect_and_wait(host(), port);
    if (!o.ec) {
      connected = o;
    } else {
      ASSERT_TRUE(o.ec == std::errc::connection_refused ||
                  o.ec == std::errc::no_such_file_or_directory)
          << o.ec.message();
      ae::CondVar<> pause;
      (void)pause.wait_for(0.02s);
    }
  }
  ASSERT_TRUE(connected) << "socat never listened on " << host() << " " << port;
  EXPECT_EQ(ae::socket_test::read_some(connected->fd), "from-socat\n");
  ::close(connected->fd);
  int status = wait_exit(*socat);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

INSTANTIATE_TEST_SUITE_P(BackendsAndFamilies, SocatInteropTest,
                         ::testing::Combine(::testing::ValuesIn(ae::socket_test::kBackends),
                                            ::testing::Values("127.0.0.1", "::1", "unix/")),
                         [](const auto& info) {
                           const std::string& h = std::get<1>(info.param);
                           return std::get<0>(info.param) + (h == "unix/" ? "_unix"
                                                             : h == "::1" ? "_ipv6"
                                                                          : "_ipv4");
                         });

}  // namespace
