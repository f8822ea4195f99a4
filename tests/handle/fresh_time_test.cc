// Handle timeouts on a clock the test moves, so that no assertion depends on how busy the machine
// is: a timeout counts from when it was armed, even when that was late in a slow callback (the
// loop's cached now() is older then); activity postpones it; an overdue one fires at once.
#include <chrono>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "tests/handle/test_util.h"
#include "tests/support/manual_backend.h"

namespace ae::testing {
namespace {

using namespace std::chrono_literals;

TEST(HandleFreshTimeTest, ATimeoutArmedInASlowCallbackCountsFromWhenItWasArmed) {
  TestLoop loop("manual");
  auto& clock = dynamic_cast<ManualBackend&>(loop->backend());
  auto [a, b] = unix_pair();
  RawPeer peer(b);
  int timeouts = 0;
  std::unique_ptr<Handle> h;
  Timer slow = loop->timer(Seconds(0), [&] {
    clock.advance(40ms);  // the callback has been busy for 40 ms when it makes the Handle
    h = std::make_unique<Handle>(
        a, Handle::Options{.timeout = 0.05, .on_timeout = [&](Handle&) { ++timeouts; }});
  });
  loop.advance(0s);
  ASSERT_TRUE(h);
  loop.advance(20ms);  // 60 ms after the iteration began, 20 ms after the Handle was made
  EXPECT_EQ(timeouts, 0);
  loop.advance(30ms);  // 50 ms after the Handle was made
  EXPECT_EQ(timeouts, 1);
  h.reset();
}

TEST(HandleFreshTimeTest, ActivityPostponesTheTimeout) {
  TestLoop loop("manual");
  auto [a, b] = unix_pair();
  RawPeer peer(b);
  int fired = 0;
  Handle h(a, {.timeout = 0.15, .on_timeout = [&](Handle&) { ++fired; }});
  h.on_read([](Handle& h) { h.rbuf().consume(h.rbuf().size()); });
  // The peer talks every 30 ms for 300 ms: two full periods, no timeout.
  for (int i = 0; i < 10; ++i) {
    loop.advance(30ms);
    peer.write("x");
    loop.advance(0s);
  }
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(h.rbuf().size(), 0u) << "every byte was read";
  loop.advance(140ms);
  EXPECT_EQ(fired, 0);
  loop.advance(20ms);  // 160 ms after the last byte
  EXPECT_EQ(fired, 1);
}

TEST(HandleFreshTimeTest, RtimeoutIgnoresWritesAndWtimeoutIgnoresReads) {
  TestLoop loop("manual");
  auto [a, b] = unix_pair();
  RawPeer peer(b);
  int rfired = 0, wfired = 0;
  Handle h(a, {.rtimeout = 0.1,
               .wtimeout = 0.1,
               .on_rtimeout = [&](Handle&) { ++rfired; },
               .on_wtimeout = [&](Handle&) { ++wfired; }});
  // Only writes happen, every 20 ms for 120 ms: rtimeout fires at 100 ms, wtimeout does not.
  for (int i = 0; i < 6; ++i) {
    loop.advance(20ms);
    h.push_write("w");
    loop.advance(0s);
  }
  EXPECT_EQ(rfired, 1);
  EXPECT_EQ(wfired, 0);
  EXPECT_TRUE(h.wbuf().empty()) << "every byte was written";
}

TEST(HandleFreshTimeTest, SettingAnOverdueTimeoutFiresWithoutTheClockMoving) {
  TestLoop loop("manual");
  auto [a, b] = unix_pair();
  RawPeer peer(b);
  int fired = 0;
  Handle h(a, {.on_timeout = [&](Handle&) { ++fired; }});
  loop.advance(150ms);  // idle for a while
  h.timeout(0.1);       // already overdue
  EXPECT_EQ(fired, 0) << "never inside the setter";
  loop.advance(0s);
  EXPECT_EQ(fired, 1);
  EXPECT_THROW(h.timeout(-1), std::invalid_argument);
}

}  // namespace
}  // namespace ae::testing
