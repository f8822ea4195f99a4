// Connecting alone, through the tests' own connector to listeners on loopback: the outcome,
// the prepare hook, moving on to the next address, and a retry function that goes dead once its
// connection is no longer the current one.
#include "handle/internal/connecting.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <system_error>
#include <vector>

#include "core/condvar.h"
#include "tests/handle/test_util.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"
#include "tests/support/sockets.h"

namespace ae::handle_internal {
namespace {

using ae::testing::Listener;
using ae::testing::run_until;

class ConnectingTest : public ::testing::Test {
 protected:
  // Starts `c`, recording each outcome (and closing its fd, as the Handle does before a retry).
  void start(Connecting& c) {
    c.start(
        [this](int fd) {
          prepared.push_back(fd);
          return Seconds(5);
        },
        [this](std::error_code ec, Connection conn) {
          errors.push_back(ec);
          ports.push_back(conn.peer.port());
          if (conn.fd >= 0) ::close(conn.fd);
          last = std::move(conn);
        });
  }

  ae::testing::TestLoop loop_{"asio"};
  ae::testing::ScopedTestConnector connector_;
  std::vector<int> prepared;
  std::vector<std::error_code> errors;
  std::vector<int> ports;
  Connection last;
};

TEST_F(ConnectingTest, ReportsTheConnectionFromTheLoopAfterPreparingItsSocket) {
  Listener server;
  Connecting c("127.0.0.1", std::to_string(server.port));
  start(c);
  EXPECT_TRUE(errors.empty()) << "never inside start()";
  ASSERT_TRUE(run_until([&] { return !errors.empty(); }));
  EXPECT_FALSE(errors[0]);
  EXPECT_EQ(ports[0], server.port);
  EXPECT_EQ(prepared.size(), 1u);
  EXPECT_FALSE(c.can_retry());
}

TEST_F(ConnectingTest, TheRetryFunctionMovesOnToTheNextAddressOnce) {
  Listener first, second;
  Connecting c("127.0.0.1,127.0.0.1",
               std::to_string(first.port) + "," + std::to_string(second.port));
  start(c);
  ASSERT_TRUE(run_until([&] { return errors.size() == 1; }));
  int retries = 0;
  Function<void()> retry = c.connected(std::move(last.retry), [&] {
    ++retries;
    c.next();
  });
  EXPECT_TRUE(c.can_retry());
  retry();
  EXPECT_EQ(retries, 1);
  EXPECT_FALSE(c.can_retry());
  ASSERT_TRUE(run_until([&] { return errors.size() == 2; }));
  EXPECT_EQ(ports, (std::vector<int>{first.port, second.port}));
  retry();  // that connection is gone: nothing happens
  EXPECT_EQ(retries, 1);
}

TEST_F(ConnectingTest, ARetryFunctionOfAnEarlierConnectionDoesNothing) {
  Listener first, second;
  Connecting c("127.0.0.1,127.0.0.1",
               std::to_string(first.port) + "," + std::to_string(second.port));
  start(c);
  ASSERT_TRUE(run_until([&] { return errors.size() == 1; }));
  int old_retries = 0;
  Function<void()> old = c.connected(std::move(last.retry), [&] { ++old_retries; });
  c.next();  // as the Handle's own retry does
  ASSERT_TRUE(run_until([&] { return errors.size() == 2; }));
  Function<void()> current = c.connected(std::move(last.retry), [] {});
  old();
  EXPECT_EQ(old_retries, 0);
}

TEST_F(ConnectingTest, CancelStopsTheConnectAndKillsTheRetryFunction) {
  Listener server;
  Connecting c("127.0.0.1", std::to_string(server.port));
  start(c);
  c.cancel();
  ae::CondVar<> settle;
  EXPECT_FALSE(settle.wait_for(Seconds(0.1)));
  EXPECT_TRUE(errors.empty());
}

TEST_F(ConnectingTest, DestroyingItKillsTheRetryFunction) {
  Function<void()> retry;
  int retries = 0;
  {
    Connecting c("127.0.0.1", "1");
    retry = c.connected([] {}, [&] { ++retries; });
  }
  retry();
  EXPECT_EQ(retries, 0);
}

TEST_F(ConnectingTest, DescribesAnErrorWithTheTargetAsFormatHostportWritesIt) {
  std::error_code refused = std::make_error_code(std::errc::connection_refused);
  EXPECT_EQ(Connecting("::1", "80").describe(refused), "[::1]:80: " + refused.message());
  EXPECT_EQ(Connecting("example.org", "http").describe(refused),
            "example.org:http: " + refused.message());
  EXPECT_EQ(Connecting("unix/", "/run/x.sock").describe(refused),
            "unix/:/run/x.sock: " + refused.message());
}

}  // namespace
}  // namespace ae::handle_internal
