// Handle timeouts on a clock the test moves: a timeout counts from when it was armed, even when
// that was late in a slow callback (the loop's cached now() is older then).
#include <chrono>
#include <memory>

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

}  // namespace
}  // namespace ae::testing
