// Handle's connect path against //socket's tcp_connect, the connector a program links.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "handle/handle.h"
#include "tests/handle/test_util.h"
#include "tests/support/black_hole.h"

namespace ae::testing {
namespace {

using namespace std::chrono_literals;

class ConnectSocketTest : public LoopTest {};

TEST_P(ConnectSocketTest, ConnectsByNameAndTalks) {
  Listener server;
  bool connected = false;
  Handle h(
      "localhost", std::to_string(server.port),
      {.on_connect = [&](Handle&, const SocketAddress&, Function<void()>) { connected = true; },
       .on_connect_error = [&](Handle&, std::error_code,
                               std::string_view m) { ADD_FAILURE() << m; }});
  h.push_write("ping\n");
  ASSERT_TRUE(run_until([&] { return connected; }));
  RawPeer s(server.accept_one());
  ASSERT_TRUE(s.wait_bytes(5));
  EXPECT_EQ(s.received(), "ping\n");
  EXPECT_EQ(h.peer().port(), server.port);
}

TEST_P(ConnectSocketTest, TheHeaderExampleRuns) {
  Listener server;
  std::string port = std::to_string(server.port);
  // handle/handle.h's example, as written there.
  ae::Handle h("localhost", port,
               {
                   .on_connect = [](ae::Handle& h, const ae::SocketAddress&,
                                    ae::Function<void()>) { h.push_write("hello\n"); },
                   .on_error =
                       [](ae::Handle&, bool fatal, std::error_code ec, std::string_view msg) {
                         std::cerr << msg << " (" << ec << (fatal ? ", fatal" : "") << ")\n";
                       },
               });
  ae::CondVar<std::string> reply;
  h.push_read(ae::line, [&](ae::Handle&, std::string line, std::string) { reply.send(line); });
  // The far end echoes.
  ASSERT_TRUE(run_until([&] { return h.fd() >= 0; }));
  RawPeer echo(server.accept_one());
  ASSERT_TRUE(echo.wait_bytes(6));
  echo.write(echo.received());
  ASSERT_TRUE(reply.wait_for(Seconds(5)));
  EXPECT_EQ(reply.recv(), "hello");
}

TEST_P(ConnectSocketTest, AClosedPortIsConnectionRefused) {
  std::error_code error;
  RefusingPort refusing;
  Handle h(
      "127.0.0.1", std::to_string(refusing.port()),
      {.on_connect_error = [&](Handle&, std::error_code ec, std::string_view) { error = ec; }});
  ASSERT_TRUE(run_until([&] { return bool(error); }));
  EXPECT_EQ(error, std::errc::connection_refused);
}

TEST_P(ConnectSocketTest, ABlackHoleTimesOutAfterThePrepareTimeout) {
  ae::testing::BlackHole hole;
  std::error_code error;
  auto start = std::chrono::steady_clock::now();
  Handle h(
      "127.0.0.1", std::to_string(hole.port()),
      {.on_prepare = [](Handle&) { return Seconds(0.25); },
       .on_connect_error = [&](Handle&, std::error_code ec, std::string_view) { error = ec; }});
  ASSERT_TRUE(run_until([&] { return bool(error); }));
  EXPECT_EQ(error, std::errc::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 240ms);
}

TEST_P(ConnectSocketTest, UnixDomainSockets) {
  // sun_path holds 107 bytes, and Bazel's $TEST_TMPDIR can be longer: use it when it fits.
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/h-" + GetParam();
  char short_dir[] = "/tmp/ae-handle-XXXXXX";
  bool made_dir = false;
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    ASSERT_NE(::mkdtemp(short_dir), nullptr);
    made_dir = true;
    path = std::string(short_dir) + "/h-" + GetParam();
  }
  int l = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  path.copy(sa.sun_path, sizeof sa.sun_path - 1);
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(l, 4), 0);
  bool connected = false;
  Handle h("unix/", path, {.on_connect = [&](Handle&, const SocketAddress&, Function<void()>) {
             connected = true;
           }});
  h.push_write("over unix\n");
  ASSERT_TRUE(run_until([&] { return connected; }));
  RawPeer s(::accept4(l, nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(s.wait_bytes(10));
  EXPECT_EQ(s.received(), "over unix\n");
  ::close(l);
  ::unlink(path.c_str());
  if (made_dir) ::rmdir(short_dir);
}

TEST_P(ConnectSocketTest, RetryMovesToTheNextAddressOfAName) {
  // "localhost" is 127.0.0.1 and ::1; listen on both at one port.
  Listener v4;
  int v6 = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(static_cast<std::uint16_t>(v4.port));
  sa.sin6_addr = in6addr_loopback;
  if (::bind(v6, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(v6, 4) != 0) {
    ::close(v6);
    GTEST_SKIP() << "no IPv6 loopback, or the port is taken on ::1";
  }
  std::vector<int> families;
  std::error_code error;
  Handle h(
      "localhost", std::to_string(v4.port),
      {.on_connect =
           [&](Handle&, const SocketAddress& peer, Function<void()> retry) {
             families.push_back(peer.family());
             if (families.size() == 1) retry();
           },
       .on_connect_error = [&](Handle&, std::error_code ec, std::string_view) { error = ec; }});
  ASSERT_TRUE(run_until([&] { return families.size() == 2 || error; }));
  ASSERT_EQ(families.size(), 2u) << error.message();
  EXPECT_NE(families[0], families[1]);
  ::close(v6);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConnectSocketTest, ::testing::ValuesIn(main_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
