// Handle against resource use a peer controls: buffers that give capacity back after a burst,
// wbuf_max over everything queued, reading that stops while nobody takes the data, and the
// high-water mark that stops reading while the peer does not read, lingering connections bounded
// and tied to their loop.
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/log_hook.h"
#include "handle/handle.h"
#include "tests/handle/test_util.h"
#include "tests/handle/toy_filter.h"

namespace ae::testing {
namespace {

constexpr unsigned char kKey = 0x5a;

struct Errors {
  std::vector<std::error_code> codes;
  std::vector<bool> fatal;
};

Handle::ErrorCallback record(Errors& e) {
  return [&e](Handle&, bool fatal, std::error_code ec, std::string_view) {
    e.codes.push_back(ec);
    e.fatal.push_back(fatal);
  };
}

// Runs `n` loop iterations without blocking: enough for a Handle and a peer in this process to
// move megabytes when nothing holds them back (each iteration moves up to a read's worth).
void spin(Loop& loop, int n) {
  for (int i = 0; i < n; ++i) loop.run_once(false);
}

// Reads what is there without blocking: true when the other end is closed.
bool closed_after_draining(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) return false;
  }
}

// Collects the warnings the log hook gets while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(&log_sink()) {
    lines().clear();
    set_log_sink(&sink_);
  }
  ~LogCapture() { set_log_sink(previous_); }
  static std::vector<std::string>& lines() {
    static std::vector<std::string> seen;
    return seen;
  }

 private:
  static constexpr LogSink sink_{
      [](LogLevel level, std::string_view) { return level <= LogLevel::kWarn; },
      [](LogLevel, std::string_view, std::string_view m) { lines().emplace_back(m); }};
  const LogSink* previous_;
};

// A Handle that starts lingering with most of `bytes` unwritten (its peer reads nothing).
int linger_with(std::size_t bytes) {
  auto [a, b] = unix_pair();
  Handle h(a);
  h.push_write(std::string(bytes, 'L'));
  return b;
}

TEST(HandleLingerTest, LingeringWritesGoWithTheirLoop) {
  int peer = -1;
  {
    TestLoop loop("asio");
    loop.allow_watchers_left();  // the point: a lingering write outlives the loop
    peer = linger_with(4 << 20);
  }
  EXPECT_TRUE(closed_after_draining(peer));
  ::close(peer);
}

class HandleLimitsTest : public LoopTest {
 protected:
  void open(Handle::Options options = {}) {
    auto [a, b] = unix_pair();
    h = std::make_unique<Handle>(a, std::move(options));
    peer = std::make_unique<RawPeer>(b);
  }
  void TearDown() override {
    h.reset();
    peer.reset();
  }
  std::unique_ptr<Handle> h;
  std::unique_ptr<RawPeer> peer;
};

TEST_P(HandleLimitsTest, BuffersGiveCapacityBackAfterABurst) {
  open();
  constexpr std::size_t kLine = 16 << 20;  // one long line, echoed
  std::size_t echoed = 0;
  h->push_read(line, [&](Handle& h, std::string l, std::string eol) {
    echoed = l.size();
    h.push_write(l + eol);
  });
  std::string burst(kLine, 'x');
  burst += '\n';
  peer->send_later(std::move(burst));
  ASSERT_TRUE(run_until([&] { return peer->received().size() == kLine + 1; }));
  EXPECT_EQ(echoed, kLine);
  ASSERT_FALSE(h->destroyed());
  // Both buffers held the whole line at one point; idle now, they keep at most a few reads' worth.
  EXPECT_LE(h->rbuf().capacity(), std::size_t{1} << 20);
  EXPECT_LE(h->wbuf().capacity(), std::size_t{1} << 20);
}

TEST_P(HandleLimitsTest, WbufMaxCountsWritesQueuedWhileConnecting) {
  ScopedTestConnector connector;
  Listener server;
  Errors errors;
  Handle c("127.0.0.1", std::to_string(server.port),
           {.on_error = record(errors), .wbuf_max = std::size_t{1000}});
  c.push_write(std::string(2000, 'x'));  // the connect has not even started
  ASSERT_TRUE(run_until([&] { return !errors.codes.empty(); }));
  EXPECT_EQ(errors.codes[0], std::errc::no_space_on_device);
  EXPECT_TRUE(errors.fatal[0]);
}

TEST_P(HandleLimitsTest, WbufMaxCountsWhatTheFilterHoldsBackDuringTheHandshake) {
  Errors errors;
  open({.on_error = record(errors),
        .wbuf_max = std::size_t{1000},
        .tls = [](Handle&) { return std::make_unique<ToyFilter>(ToyRole::kServer, kKey); }});
  h->push_write(std::string(2000, 'x'));  // the client's hello has not come: the filter holds it
  ASSERT_TRUE(run_until([&] { return !errors.codes.empty(); }));
  EXPECT_EQ(errors.codes[0], std::errc::no_space_on_device);
}

TEST_P(HandleLimitsTest, AFilterStopsReadingWhileNobodyTakesWhatItDecoded) {
  Errors errors;
  open({.on_error = record(errors),
        .tls = [](Handle&) { return std::make_unique<ToyFilter>(ToyRole::kServer, kKey); }});
  std::string records = ToyFilter::hello(kKey);
  const std::string block(16000, 'd');
  std::size_t sent = 0;
  while (sent < (4u << 20)) {
    records += ToyFilter::record(kKey, block);
    sent += block.size();
  }
  peer->send_later(std::move(records));
  spin(loop(), 2000);
  EXPECT_TRUE(errors.codes.empty());
  // No reader: the Handle holds what one read decoded, the rest waits in the kernel.
  EXPECT_LE(h->rbuf().size(), std::size_t{1} << 20);
  EXPECT_GT(peer->unsent(), 0u);
  // A reader takes it all.
  std::size_t got = 0;
  h->on_read([&](Handle& h) {
    got += h.rbuf().size();
    h.rbuf().clear();
  });
  ASSERT_TRUE(run_until([&] { return got == sent; }));
}

TEST_P(HandleLimitsTest, HighWaterMarkStopsReadingWhileThePeerDoesNotRead) {
  constexpr std::size_t kHigh = 64 * 1024;
  open({.low_water_mark = 16 * 1024, .high_water_mark = kHigh});
  h->on_read([](Handle& h) {
    h.push_write(h.rbuf().view());
    h.rbuf().clear();
  });
  constexpr std::size_t kSent = 8 << 20;
  peer->pause_reading();
  peer->send_later(std::string(kSent, 'e'));
  spin(loop(), 2000);
  // Reading stopped once the echoes passed the mark: one read's worth past it at most, the
  // rest of what the peer sends waits in the kernel.
  EXPECT_LE(h->wbuf().size(), kHigh + h->read_size());
  EXPECT_GT(peer->unsent(), 0u);
  // The peer reads its echoes: reading resumes and everything comes back.
  peer->resume_reading();
  ASSERT_TRUE(run_until([&] { return peer->received().size() == kSent; }));
}

TEST_P(HandleLimitsTest, LingeringBeyondTheLimitsDropsTheOldest) {
  struct Restore {
    LingerLimits saved = linger_limits();
    ~Restore() { set_linger_limits(saved); }
  } restore;
  LogCapture log;
  constexpr std::size_t kSize = 4 << 20;  // the kernel takes far less: the rest lingers
  set_linger_limits({.max_handles = 2, .max_bytes = 1 << 30});
  std::vector<int> peers;
  for (int i = 0; i < 3; ++i) peers.push_back(linger_with(kSize));
  EXPECT_TRUE(closed_after_draining(peers[0]));
  EXPECT_FALSE(closed_after_draining(peers[1]));
  EXPECT_FALSE(closed_after_draining(peers[2]));
  ASSERT_EQ(log.lines().size(), 1u);
  EXPECT_NE(log.lines()[0].find("dropping the oldest lingering connection"), std::string::npos);

  // Bytes: the next one makes three of nearly 4 MiB each; under 5 MiB only it may stay.
  set_linger_limits({.max_handles = 100, .max_bytes = 5 << 20});
  peers.push_back(linger_with(kSize));
  EXPECT_TRUE(closed_after_draining(peers[1]));
  EXPECT_TRUE(closed_after_draining(peers[2]));
  EXPECT_FALSE(closed_after_draining(peers[3]));
  EXPECT_EQ(log.lines().size(), 3u);
  for (int fd : peers) ::close(fd);  // the last one's write fails and it goes
}

INSTANTIATE_TEST_SUITE_P(Backends, HandleLimitsTest, ::testing::ValuesIn(main_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
