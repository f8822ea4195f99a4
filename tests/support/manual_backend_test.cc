// The manual clock: timers fire when the test moves time, never because real time passed.
#include "tests/support/manual_backend.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <vector>

#include "core/loop.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

TEST(ManualBackendTest, ATimerFiresOnlyOnceTheClockReachesItsDeadline) {
  TestLoop loop("manual");
  int fired = 0;
  Timer t = ae::timer(30s, [&] { ++fired; });
  loop.advance(29.9s);
  EXPECT_EQ(fired, 0);
  loop.advance(0.1s);
  EXPECT_EQ(fired, 1);
}

TEST(ManualBackendTest, NowFollowsTheClock) {
  TestLoop loop("manual");
  loop.advance(0s);
  double before = ae::now();
  loop.advance(90s);
  EXPECT_DOUBLE_EQ(ae::now() - before, 90.0);
}

TEST(ManualBackendTest, AnIdleLoopJumpsToTheNextDeadlineInOrder) {
  TestLoop loop("manual");
  std::vector<int> order;
  Timer late = ae::timer(3600s, [&] { order.push_back(3); });
  Timer early = ae::timer(1s, [&] { order.push_back(1); });
  Timer middle = ae::timer(60s, [&] { order.push_back(2); });
  double start = ae::now();
  ASSERT_TRUE(run_until([&] { return order.size() == 3; }, 2h));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_NEAR(ae::now() - start, 3600.0, 1e-6);
}

TEST(ManualBackendTest, ARepeatingTimerFiresEveryInterval) {
  TestLoop loop("manual");
  int fired = 0;
  Timer t = ae::timer(1s, 1s, [&] { ++fired; });
  for (int i = 1; i <= 5; ++i) {
    loop.advance(1s);
    EXPECT_EQ(fired, i);
  }
}

TEST(ManualBackendTest, IoIsSeenWithoutTimeMoving) {
  TestLoop loop("manual");
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  bool readable = false;
  bool timed_out = false;
  Io r = ae::io(fds[0], kRead, [&] { readable = true; });
  Timer t = ae::timer(5s, [&] { timed_out = true; });
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  loop.advance(0s);
  EXPECT_TRUE(readable);
  EXPECT_FALSE(timed_out);
  r.reset();
  t.reset();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(ManualBackendTest, AdvanceOnARealBackendIsAnError) {
  TestLoop loop("asio");
  EXPECT_FALSE(loop.manual());
  EXPECT_THROW(loop.advance(1s), std::logic_error);
}

}  // namespace
}  // namespace ae::testing
