// Handle's connect path (on_prepare, on_connect with retry, on_connect_error) through the Connector
// interface, with a small connector of the tests' own (connect_socket_test.cc does the same
// against //socket's tcp_connect).
#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "tests/handle/test_util.h"
#include "tests/handle/toy_filter.h"
#include "tests/support/black_hole.h"

namespace ae::testing {
namespace {

using namespace std::chrono_literals;

class ConnectTest : public LoopTest {
 protected:
  ScopedTestConnector connector_;
};

TEST_P(ConnectTest, QueuedReadsAndWritesWaitForTheConnection) {
  Listener server;
  bool connected = false;
  SocketAddress peer;
  Handle h("127.0.0.1", std::to_string(server.port),
           {.on_connect = [&](Handle&, const SocketAddress& p, Function<void()>) {
             connected = true;
             peer = p;
           }});
  std::string reply;
  h.push_write("hello\n");
  h.push_read(line, [&](Handle&, std::string l, std::string) { reply = l; });
  EXPECT_EQ(h.fd(), -1);
  EXPECT_EQ(h.peername(), "127.0.0.1");
  ASSERT_TRUE(run_until([&] { return connected; }));
  EXPECT_EQ(peer.port(), server.port);
  RawPeer s(server.accept_one());
  ASSERT_TRUE(s.wait_bytes(6));
  EXPECT_EQ(s.received(), "hello\n");
  s.write("world\n");
  ASSERT_TRUE(run_until([&] { return !reply.empty(); }));
  EXPECT_EQ(reply, "world");
}

TEST_P(ConnectTest, OnPrepareSeesEachAttemptsSocketAndSetsItsTimeout) {
  ae::testing::BlackHole hole;
  int prepared = 0;
  int seen_fd = -1;
  std::error_code error;
  auto start = std::chrono::steady_clock::now();
  Handle h(
      "127.0.0.1", std::to_string(hole.port()),
      {.on_prepare =
           [&](Handle& h) {
             ++prepared;
             seen_fd = h.fd();
             h.no_delay(true);
             return Seconds(0.2);
           },
       .on_connect_error = [&](Handle&, std::error_code ec, std::string_view) { error = ec; }});
  EXPECT_EQ(prepared, 0) << "nothing runs inside the constructor";
  ASSERT_TRUE(run_until([&] { return bool(error); }));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(prepared, 1);
  EXPECT_GE(seen_fd, 0);
  EXPECT_EQ(error, std::errc::timed_out);
  EXPECT_GE(took, 190ms);  // the kernel alone would take minutes, past run_until's limit
  EXPECT_TRUE(h.destroyed()) << "destroyed after on_connect_error";
}

TEST_P(ConnectTest, ConnectErrorWithoutOnConnectErrorIsFatalOnError) {
  RefusingPort refusing;
  int port = refusing.port();
  bool fatal = false;
  std::error_code error;
  std::string message;
  Handle h("127.0.0.1", std::to_string(port),
           {.on_error = [&](Handle&, bool f, std::error_code ec, std::string_view m) {
             fatal = f;
             error = ec;
             message = std::string(m);
           }});
  ASSERT_TRUE(run_until([&] { return bool(error); }));
  EXPECT_TRUE(fatal);
  EXPECT_EQ(error, std::errc::connection_refused);
  EXPECT_NE(message.find("127.0.0.1"), std::string::npos);
  EXPECT_TRUE(h.destroyed());
}

TEST_P(ConnectTest, RetryDropsTheConnectionAndTriesTheNextAddress) {
  Listener first, second;
  std::vector<int> ports;
  Handle h("127.0.0.1,127.0.0.1", std::to_string(first.port) + "," + std::to_string(second.port),
           {.on_connect = [&](Handle& h, const SocketAddress& peer, Function<void()> retry) {
             ports.push_back(peer.port());
             if (ports.size() == 1) {
               h.push_read(line, [](Handle&, std::string, std::string) {});  // dropped
               retry();
             }
           }});
  h.push_write("first\n");  // flushed to the first connection before on_connect runs
  ASSERT_TRUE(run_until([&] { return ports.size() == 2; }));
  EXPECT_EQ(ports[0], first.port);
  EXPECT_EQ(ports[1], second.port);
  EXPECT_EQ(connector_.connector().attempts, 2);
  // The first connection was closed by the retry.
  RawPeer dropped(first.accept_one());
  EXPECT_TRUE(dropped.wait_eof());
  EXPECT_EQ(dropped.received(), "first\n");
  // The second works normally.
  RawPeer s(second.accept_one());
  h.push_write("on the second\n");
  ASSERT_TRUE(s.wait_bytes(14));
  EXPECT_EQ(s.received(), "on the second\n");
}

TEST_P(ConnectTest, TimeoutsStartOnlyOnceConnected) {
  ae::testing::BlackHole hole;
  int timeouts = 0;
  std::error_code connect_error;
  Handle h("127.0.0.1", std::to_string(hole.port()),
           {.on_prepare = [](Handle&) { return Seconds(0.3); },
            .on_connect_error = [&](Handle&, std::error_code ec,
                                    std::string_view) { connect_error = ec; },
            .timeout = 0.05,
            .on_timeout = [&](Handle&) { ++timeouts; }});
  ASSERT_TRUE(run_until([&] { return bool(connect_error); }));
  EXPECT_EQ(timeouts, 0);
  EXPECT_EQ(connect_error, std::errc::timed_out);
}

TEST_P(ConnectTest, TimeoutsRunAfterTheConnection) {
  Listener server;
  int timeouts = 0;
  Handle h("127.0.0.1", std::to_string(server.port),
           {.timeout = 0.05, .on_timeout = [&](Handle&) { ++timeouts; }});
  ASSERT_TRUE(run_until([&] { return timeouts == 2; }));
}

TEST_P(ConnectTest, DestroyingTheHandleWhileConnectingCancelsTheAttempt) {
  ae::testing::BlackHole hole;
  int calls = 0;
  auto h = std::make_unique<Handle>(
      "127.0.0.1", std::to_string(hole.port()),
      Handle::Options{
          .on_prepare = [&](Handle&) { return Seconds(0.2); },
          .on_connect = [&](Handle&, const SocketAddress&, Function<void()>) { ++calls; },
          .on_connect_error = [&](Handle&, std::error_code, std::string_view) { ++calls; }});
  ASSERT_TRUE(run_until([&] { return connector_.connector().attempts == 1; }));
  h.reset();
  EXPECT_FALSE(run_until([&] { return calls > 0; }, 0.4s));
}

TEST_P(ConnectTest, TheTlsOptionEncodesWritesQueuedBeforeTheConnection) {
  Listener server;
  bool connected = false;
  Handle h(
      "127.0.0.1", std::to_string(server.port),
      {.on_connect = [&](Handle&, const SocketAddress&, Function<void()>) { connected = true; },
       .tls = [](Handle&) { return std::make_unique<ToyFilter>(ToyRole::kClient, 7); }});
  h.push_write("early\n");
  ASSERT_TRUE(run_until([&] { return connected; }));
  RawPeer s(server.accept_one());
  ASSERT_TRUE(s.wait_bytes(6));
  EXPECT_EQ(s.received(), ToyFilter::hello(7)) << "nothing plain before the handshake";
  s.write(ToyFilter::hello(7));
  std::string want = ToyFilter::hello(7) + ToyFilter::record(7, "early\n");
  ASSERT_TRUE(s.wait_bytes(want.size()));
  EXPECT_EQ(s.received(), want);
}

TEST_P(ConnectTest, WithoutAConnectorTheErrorSaysToLinkSocket) {
  set_default_connector(nullptr);
  std::error_code error;
  std::string message;
  Handle h("localhost", "80",
           {.on_connect_error = [&](Handle&, std::error_code ec, std::string_view m) {
             error = ec;
             message = std::string(m);
           }});
  ASSERT_TRUE(run_until([&] { return bool(error); }));
  EXPECT_EQ(error, ConnectError::kNoConnector);
  EXPECT_NE(message.find("//socket"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConnectTest, ::testing::ValuesIn(main_backends()), backend_name);

}  // namespace
}  // namespace ae::testing
