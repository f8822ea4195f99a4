#include "handle/reconnect.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/loop.h"
#include "handle/handle.h"
#include "handle/types.h"
#include "socket/server.h"
#include "tests/support/loop.h"
#include "tests/support/ports.h"
#include "tests/support/run_until.h"

namespace {

using namespace std::chrono_literals;
using ae::ConnectionState;
using ae::testing::run_until;

// A line server the test starts, stops (closing every connection) and starts again on the same
// port.
class LineServer {
 public:
  void start(std::uint16_t port = 0) {
    ae::Result<ae::TcpServer> s =
        ae::tcp_server("127.0.0.1", std::to_string(port), [this](int fd, const std::string&, auto) {
          auto h = std::make_unique<ae::Handle>(
              fd, ae::HandleOptions{
                      .on_error = [](ae::Handle&, bool, std::error_code, std::string_view) {},
                      .on_eof = [](ae::Handle& h) { h.destroy(); }});
          read_line(*h);
          connections_.push_back(std::move(h));
          ++accepted_;
        });
    ASSERT_TRUE(s) << s.message();
    server_ = std::move(*s);
    port_ = server_.port();
  }
  void stop() {
    server_.close();
    connections_.clear();
  }
  std::uint16_t port() const { return port_; }
  const std::vector<std::string>& lines() const { return lines_; }
  int accepted() const { return accepted_; }

 private:
  void read_line(ae::Handle& h) {
    h.push_read(ae::line, [this](ae::Handle& h, std::string line, std::string) {
      lines_.push_back(line);
      read_line(h);
    });
  }

  ae::TcpServer server_;
  std::vector<std::unique_ptr<ae::Handle>> connections_;
  std::vector<std::string> lines_;
  std::uint16_t port_ = 0;
  int accepted_ = 0;
};

// What on_state saw: each state, its reason, the clock when it came and the delay announced.
struct Event {
  ConnectionState state;
  std::error_code reason;
  double at;
  double delay;
};

class Recorder {
 public:
  ae::ReconnectingClient::StateCallback callback() {
    return
        [this](ae::ReconnectingClient& c, ConnectionState s, std::error_code ec, std::string_view) {
          events.push_back({s, ec, ae::now(), c.retry_delay().count()});
        };
  }
  int count(ConnectionState s) const {
    int n = 0;
    for (const Event& e : events) n += e.state == s;
    return n;
  }
  std::vector<Event> events;
};

// The backoff schedule on the manual clock: no time passes but what the timers ask for.
class ReconnectManualTest : public ::testing::Test {
 protected:
  ae::testing::TestLoop loop_{"manual"};
};

TEST_F(ReconnectManualTest, BackoffGrowsWhileTheServerIsDownAndResetsOnceItIsBack) {
  LineServer server;
  server.start();
  Recorder r;
  ae::ReconnectOptions options;
  options.initial_delay = 1s;
  options.multiplier = 2;
  options.max_delay = 5s;
  options.jitter = 0;
  options.keep_writes = true;
  ae::ReconnectingClient client("127.0.0.1", std::to_string(server.port()), options, r.callback());
  ASSERT_TRUE(run_until([&] { return client.state() == ConnectionState::kConnected; }));
  EXPECT_TRUE(client.push_write("first\n"));
  ASSERT_TRUE(run_until([&] { return server.lines().size() == 1; }));

  server.stop();
  ASSERT_TRUE(run_until([&] { return client.state() == ConnectionState::kDisconnected; }));
  EXPECT_EQ(r.events.back().reason, ae::ReconnectError::kEndOfFile);
  // Kept while disconnected, sent on the next connection.
  EXPECT_TRUE(client.push_write("while down\n"));
  EXPECT_EQ(client.kept_bytes(), 11u);
  ASSERT_TRUE(run_until([&] { return client.failures() == 4; }, 100s));

  // The delays announced: 1 after the connection ended, then 2, 4, and 5 (max_delay) after the
  // refused attempts; each attempt started exactly that long after its announcement.
  std::vector<double> delays;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    if (r.events[i].state != ConnectionState::kDisconnected) continue;
    delays.push_back(r.events[i].delay);
    if (i > 2) {
      EXPECT_EQ(r.events[i].reason, std::errc::connection_refused);
    }
    if (i + 1 < r.events.size()) {
      EXPECT_EQ(r.events[i + 1].state, ConnectionState::kConnecting);
      EXPECT_DOUBLE_EQ(r.events[i + 1].at - r.events[i].at, r.events[i].delay);
    }
  }
  EXPECT_EQ(delays, (std::vector<double>{1, 2, 4, 5, 5}));

  server.start(server.port());
  ASSERT_TRUE(run_until([&] { return client.state() == ConnectionState::kConnected; }, 100s));
  EXPECT_EQ(client.failures(), 0u);
  ASSERT_TRUE(run_until([&] { return server.lines().size() == 2; }));
  EXPECT_EQ(server.lines()[1], "while down");
  EXPECT_EQ(server.accepted(), 2);

  // A connection that was established resets the schedule.
  server.stop();
  ASSERT_TRUE(run_until([&] { return client.state() == ConnectionState::kDisconnected; }));
  EXPECT_EQ(client.retry_delay(), 1s);
  client.stop();
  EXPECT_EQ(client.state(), ConnectionState::kStopped);
}

TEST_F(ReconnectManualTest, JitterShortensEachDelayWithinItsBound) {
  ae::testing::RefusingPort refusing;
  Recorder r;
  ae::ReconnectOptions options;
  options.initial_delay = 1s;
  options.max_delay = 8s;
  options.jitter = 0.5;
  ae::ReconnectingClient client("127.0.0.1", std::to_string(refusing.port()), options,
                                r.callback());
  ASSERT_TRUE(run_until([&] { return client.failures() == 8; }, 1000s));
  const std::vector<double> schedule{1, 2, 4, 8, 8, 8, 8, 8};
  std::vector<double> delays;
  for (const Event& e : r.events) {
    if (e.state == ConnectionState::kDisconnected) delays.push_back(e.delay);
  }
  ASSERT_EQ(delays.size(), schedule.size());
  bool any_shortened = false;
  for (std::size_t i = 0; i < delays.size(); ++i) {
    EXPECT_LE(delays[i], schedule[i]) << i;
    EXPECT_GE(delays[i], schedule[i] / 2) << i;
    any_shortened |= delays[i] < schedule[i];
  }
  EXPECT_TRUE(any_shortened);
}

TEST_F(ReconnectManualTest, GivesUpAfterMaxAttempts) {
  ae::testing::RefusingPort refusing;
  Recorder r;
  ae::ReconnectOptions options;
  options.initial_delay = 1s;
  options.jitter = 0;
  options.max_attempts = 3;
  ae::ReconnectingClient client("127.0.0.1", std::to_string(refusing.port()), options,
                                r.callback());
  ASSERT_TRUE(run_until([&] { return client.state() == ConnectionState::kStopped; }, 100s));
  EXPECT_EQ(r.events.back().reason, ae::ReconnectError::kGaveUp);
  EXPECT_EQ(r.count(ConnectionState::kConnecting), 3);
  EXPECT_EQ(r.count(ConnectionState::kDisconnected), 2);
  EXPECT_FALSE(client.push_write("nobody\n"));
  // reconnect_now starts over.
  client.reconnect_now();
  ASSERT_TRUE(run_until([&] { return r.count(ConnectionState::kConnecting) == 4; }));
}

TEST_F(ReconnectManualTest, WithoutKeepWritesWritesWhileDownAreDropped) {
  LineServer server;
  server.start();
  Recorder r;
  ae::ReconnectOptions options;
  options.initial_delay = 1s;
  options.jitter = 0;
  ae::ReconnectingClient client("127.0.0.1", std::to_string(server.port()), options, r.callback());
  EXPECT_FALSE(client.push_write("too early\n"));
  ASSERT_TRUE(run_until([&] { return client.state() == ConnectionState::kConnected; }));
  server.stop();
  ASSERT_TRUE(run_until([&] { return client.state() == ConnectionState::kDisconnected; }));
  EXPECT_FALSE(client.push_write("lost\n"));
  server.start(server.port());
  ASSERT_TRUE(run_until([&] { return client.state() == ConnectionState::kConnected; }, 100s));
  EXPECT_TRUE(client.push_write("after\n"));
  ASSERT_TRUE(run_until([&] { return !server.lines().empty(); }));
  EXPECT_EQ(server.lines(), std::vector<std::string>{"after"});
}

TEST_F(ReconnectManualTest, DestroyingTheClientInsideItsCallbackStopsEverything) {
  ae::testing::RefusingPort refusing;
  std::unique_ptr<ae::ReconnectingClient> client;
  client = std::make_unique<ae::ReconnectingClient>(
      "127.0.0.1", std::to_string(refusing.port()), ae::ReconnectOptions{},
      [&](ae::ReconnectingClient&, ConnectionState s, std::error_code, std::string_view) {
        if (s == ConnectionState::kDisconnected) client.reset();
      });
  ASSERT_TRUE(run_until([&] { return client == nullptr; }));
  // The fixture checks at teardown that no watcher (retry timer, connect) was left behind.
}

TEST_F(ReconnectManualTest, BadOptionsAreRefused) {
  auto make = [](ae::ReconnectOptions o) {
    ae::ReconnectingClient c(
        "127.0.0.1", "1", o,
        [](ae::ReconnectingClient&, ConnectionState, std::error_code, std::string_view) {});
  };
  EXPECT_THROW(make({.multiplier = 0.5}), std::invalid_argument);
  EXPECT_THROW(make({.jitter = 2}), std::invalid_argument);
  EXPECT_THROW(make({.initial_delay = -1s}), std::invalid_argument);
  EXPECT_THROW(ae::ReconnectingClient("127.0.0.1", "1", {}, nullptr), std::invalid_argument);
}

// The same restart on the real backends, with real (short) delays.
class ReconnectTest : public ae::testing::LoopTest {};

TEST_P(ReconnectTest, ReconnectsToARestartedServerWithTheKeptWrites) {
  LineServer server;
  server.start();
  Recorder r;
  ae::ReconnectOptions options;
  options.initial_delay = 0.01s;
  options.max_delay = 0.05s;
  options.keep_writes = true;
  ae::ReconnectingClient client("127.0.0.1", std::to_string(server.port()), options, r.callback());
  EXPECT_TRUE(client.push_write("queued before connecting\n"));
  ASSERT_TRUE(run_until([&] { return server.lines().size() == 1; }));
  server.stop();
  ASSERT_TRUE(run_until([&] { return client.failures() >= 2; }));
  EXPECT_TRUE(client.push_write("queued while down\n"));
  server.start(server.port());
  ASSERT_TRUE(run_until([&] { return server.lines().size() == 2; }));
  EXPECT_EQ(server.lines(),
            (std::vector<std::string>{"queued before connecting", "queued while down"}));
  EXPECT_EQ(client.state(), ConnectionState::kConnected);
  EXPECT_EQ(client.kept_bytes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReconnectTest, ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

}  // namespace
