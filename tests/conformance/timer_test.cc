// Timers on every backend: order, intervals, re-arming, cancellation inside callbacks, bad input.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using TimerTest = LoopTest;

TEST_P(TimerTest, FiresOnceAfterItsDelay) {
  CondVar<double> fired;
  double start = now();  // a timer's delay is measured from now(), the loop's cached time
  int calls = 0;
  Timer t = timer(0.05, [&] {
    ++calls;
    fired.send(now());
  });
  ASSERT_TRUE(fired.wait_for(kPatience));
  EXPECT_GE(fired.recv() - start, 0.045);
  // A one-shot timer is inactive after firing, and fires no more.
  EXPECT_FALSE(t.active());
  CondVar<> later;
  Timer l = timer(0.05, [&] { later.send(); });
  ASSERT_TRUE(later.wait_for(kPatience));
  EXPECT_EQ(calls, 1);
}

TEST_P(TimerTest, FireInDeadlineOrder) {
  std::vector<int> order;
  CondVar<> done;
  Timer c = timer(0.03, [&] {
    order.push_back(3);
    done.send();
  });
  Timer a = timer(0.01, [&] { order.push_back(1); });
  Timer b = timer(0.02, [&] { order.push_back(2); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_P(TimerTest, EqualDeadlinesFireInCreationOrder) {
  std::vector<int> order;
  CondVar<> done;
  std::vector<Timer> timers;
  for (int i = 0; i < 10; ++i) {
    timers.push_back(timer(0.0, [&, i] {
      order.push_back(i);
      if (i == 9) done.send();
    }));
  }
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_P(TimerTest, ZeroAndNegativeDelaysFireOnTheNextIteration) {
  int calls = 0;
  CondVar<> done;
  Timer a = timer(0.0, [&] { ++calls; });
  Timer b = timer(-5.0, [&] {
    ++calls;
    done.send();
  });
  EXPECT_EQ(calls, 0) << "a timer never fires inside the call that made it";
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(calls, 2);
}

TEST_P(TimerTest, RepeatsAtItsInterval) {
  std::vector<double> ticks;
  CondVar<> done;
  Timer t = timer(0.0, 0.02, [&] {
    ticks.push_back(time());
    if (ticks.size() == 5) done.send();
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  t.reset();
  ASSERT_EQ(ticks.size(), 5u);
  // Deadlines stay anchored to the first one (a late tick does not push the later ones back),
  // and no tick comes before its deadline.
  for (std::size_t i = 1; i < ticks.size(); ++i) {
    EXPECT_GE(ticks[i] - ticks[0], 0.02 * static_cast<double>(i) - 0.002) << "tick " << i;
  }
}

TEST_P(TimerTest, RepeatingTimerIsRescheduledBeforeItsCallbackRuns) {
  CondVar<bool> seen;
  Timer t;
  t = timer(0.0, 0.01, [&] { seen.send(t.active()); });
  ASSERT_TRUE(seen.wait_for(kPatience));
  EXPECT_TRUE(seen.recv());
}

TEST_P(TimerTest, SlowCallbackCausesNoCatchUpBurst) {
  // AnyEvent's rule: next deadline = max(previous + interval, now). With a 20 ms interval and a
  // callback that takes 50 ms, ticks come about 50 ms apart, never several at once.
  std::vector<double> ticks;
  CondVar<> done;
  Timer t = timer(0.0, 0.02, [&] {
    ticks.push_back(time());
    double until = time() + 0.05;
    while (time() < until) {
    }
    if (ticks.size() == 4) done.send();
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  t.reset();
  for (std::size_t i = 1; i < ticks.size(); ++i) EXPECT_GE(ticks[i] - ticks[i - 1], 0.045);
}

TEST_P(TimerTest, DestroyingItselfInsideItsCallbackStopsIt) {
  int calls = 0;
  Timer t;
  t = timer(0.0, 0.001, [&] {
    ++calls;
    t.reset();
  });
  CondVar<> later;
  Timer wait = timer(0.05, [&] { later.send(); });
  ASSERT_TRUE(later.wait_for(kPatience));
  EXPECT_EQ(calls, 1);
}

TEST_P(TimerTest, DestroyingAnotherDueTimerInsideACallbackStopsIt) {
  bool second_ran = false;
  CondVar<> done;
  Timer second;
  Timer first = timer(0.0, [&] { second.reset(); });
  second = timer(0.0, [&] { second_ran = true; });
  Timer after = timer(0.02, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_FALSE(second_ran);
}

TEST_P(TimerTest, MovingAHandleKeepsTheTimer) {
  CondVar<> done;
  Timer a = timer(0.01, [&] { done.send(); });
  Timer b = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_TRUE(b.active());
  ASSERT_TRUE(done.wait_for(kPatience));
}

TEST_P(TimerTest, SetReArmsAndStopDisarms) {
  int calls = 0;
  CondVar<> done;
  Timer t = timer(10.0, [&] {
    ++calls;
    done.send();
  });
  t.stop();
  EXPECT_FALSE(t.active());
  t.set(0.01);
  EXPECT_TRUE(t.active());
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(calls, 1);
}

TEST_P(TimerTest, RejectsNaNInfiniteAndNegativeIntervals) {
  auto cb = [] {};
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW((void)timer(nan, cb), std::invalid_argument);
  EXPECT_THROW((void)timer(inf, cb), std::invalid_argument);
  EXPECT_THROW((void)timer(0.0, nan, cb), std::invalid_argument);
  EXPECT_THROW((void)timer(0.0, -1.0, cb), std::invalid_argument);
  EXPECT_THROW((void)timer(0.0, Function<void()>()), std::invalid_argument);
  EXPECT_EQ(loop().active_watchers(), 0u);
}

TEST_P(TimerTest, HugeDelaysSaturateInsteadOfOverflowing) {
  Timer t = timer(1e300, [] { ADD_FAILURE() << "fired"; });
  EXPECT_TRUE(t.active());
  CondVar<> done;
  Timer d = timer(0.0, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
}

TEST_P(TimerTest, NowIsCachedAndNowUpdateRefreshesIt) {
  CondVar<> done;
  Timer t = timer(0.0, [&] {
    double a = now();
    double until = time() + 0.01;
    while (time() < until) {
    }
    EXPECT_EQ(now(), a) << "now() is cached for the iteration";
    EXPECT_GT(time(), a) << "time() is live";
    now_update();
    EXPECT_GT(now(), a);
    done.send();
  });
  ASSERT_TRUE(done.wait_for(kPatience));
}

TEST_P(TimerTest, RunReturnsWhenNothingIsLeftAndStopEndsIt) {
  int calls = 0;
  Timer t = timer(0.01, [&] { ++calls; });
  loop().run();  // returns once the one-shot timer fired
  EXPECT_EQ(calls, 1);

  Timer r;
  r = timer(0.0, 0.001, [&] {
    if (++calls == 5) loop().stop();
  });
  loop().run();
  EXPECT_EQ(calls, 5);
  r.reset();
}

TEST_P(TimerTest, WatcherOutlivingItsLoopIsInert) {
  std::unique_ptr<TestLoop> other = std::make_unique<TestLoop>(GetParam());
  Timer t = other->loop().timer(0.0, [] {});
  EXPECT_TRUE(t.active());
  other->allow_watchers_left();
  other.reset();
  EXPECT_FALSE(t.active());
  t.reset();  // harmless
}

INSTANTIATE_TEST_SUITE_P(AllBackends, TimerTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
