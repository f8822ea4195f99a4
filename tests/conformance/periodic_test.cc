// Periodic watchers: the schedule as a pure function, wall-clock jumps on the manual clock, and
// real short intervals on every backend.
#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/manual_backend.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using namespace std::chrono_literals;

constexpr double kDay = 86400;
constexpr double kThreeAm = 3 * 3600;

TEST(PeriodicNextTest, IsTheFirstInstantAfterNow) {
  // 2023-11-14 22:13:20 UTC: the next 03:00 UTC is the morning after.
  EXPECT_EQ(periodic_next(kThreeAm, kDay, 1700000000), 1700017200);
  // Exactly at an instant: the next one.
  EXPECT_EQ(periodic_next(kThreeAm, kDay, 1700017200), 1700017200 + kDay);
  // Just before one: that one.
  EXPECT_EQ(periodic_next(kThreeAm, kDay, 1700017199.5), 1700017200);
  // An offset beyond now or below zero means the same phase.
  EXPECT_EQ(periodic_next(1700017200 + 10 * kDay, kDay, 1700000000), 1700017200);
  EXPECT_EQ(periodic_next(kThreeAm - kDay, kDay, 1700000000), 1700017200);
  // Fractions of a second.
  EXPECT_DOUBLE_EQ(periodic_next(0, 0.25, 10.1), 10.25);
  // Interval 0: the offset is the instant, passed or not.
  EXPECT_EQ(periodic_next(1234, 0, 1700000000), 1234);
}

class PeriodicManualTest : public ::testing::Test {
 protected:
  TestLoop loop_{"manual"};
};

TEST_F(PeriodicManualTest, FiresAtWallClockMultiplesOfItsInterval) {
  std::vector<double> fired;
  Periodic p = periodic(0, 10, [&] { fired.push_back(now()); });
  double first = p.at();
  EXPECT_EQ(std::fmod(first, 10), 0);
  EXPECT_GT(first, now());
  EXPECT_LE(first, now() + 10);
  loop_.advance(Seconds(first - now() - 0.5));
  EXPECT_TRUE(fired.empty());
  loop_.advance(1s);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_GE(fired[0], first);
  EXPECT_EQ(p.at(), first + 10);
  loop_.advance(10s);
  EXPECT_EQ(fired.size(), 2u);
  EXPECT_TRUE(p.active());
}

TEST_F(PeriodicManualTest, AOneShotFiresWhenTheClockIsSetPastItsInstant) {
  int fired = 0;
  Periodic p = periodic(now() + 3600, 0, [&] { ++fired; });
  loop_.advance(1s);
  EXPECT_EQ(fired, 0);
  // The monotonic clock moved one second; the wall clock two hours.
  loop_.jump_wall_clock(7200s);
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(p.active());
  EXPECT_EQ(p.at(), 0);
}

TEST_F(PeriodicManualTest, TheClockSetBackMovesTheInstantsAndNothingFiresEarly) {
  int fired = 0;
  Periodic hourly = periodic(0, 3600, [&] { ++fired; });
  double planned = hourly.at();
  loop_.jump_wall_clock(-2 * kDay * 1s);
  EXPECT_EQ(fired, 0);
  // The next hour after the new time, two days before the planned one.
  EXPECT_EQ(hourly.at(), planned - 2 * kDay);
  // A monotonic timer would fire once the planned time's distance had passed; this does too,
  // because that distance is now the distance to the new instant.
  loop_.advance(Seconds(hourly.at() - now() - 1));
  EXPECT_EQ(fired, 0);
  loop_.advance(2s);
  EXPECT_EQ(fired, 1);
  // One-shots keep their instant: set back, one waits the longer.
  int once = 0;
  Periodic later = periodic(now() + 60, 0, [&] { ++once; });
  loop_.jump_wall_clock(-600s);
  loop_.advance(61s);
  EXPECT_EQ(once, 0);
  loop_.advance(600s);
  EXPECT_EQ(once, 1);
}

TEST_F(PeriodicManualTest, ALongWaitLooksAtTheClockAtLeastEveryMinute) {
  // A periodic a day away is not left to a day-long monotonic wait: if the clock is set forward
  // while the loop sleeps, it fires within a minute of it.
  int fired = 0;
  Periodic p = periodic(now() + kDay, 0, [&] { ++fired; });
  auto& manual = static_cast<ManualBackend&>(loop_->backend());
  manual.jump_wall_clock(Seconds(kDay));  // unnoticed: no iteration runs
  loop_.advance(Seconds(60));             // the periodic's own minute-long wait ends
  EXPECT_EQ(fired, 1);
}

TEST_F(PeriodicManualTest, ARescheduleFunctionGivesTheInstants) {
  std::vector<double> asked;
  int fired = 0;
  Periodic p = periodic(
      [&](double t) {
        asked.push_back(t);
        return std::floor(t / 5) * 5 + 5;
      },
      [&] { ++fired; });
  ASSERT_EQ(asked.size(), 1u) << "asked once when made";
  EXPECT_EQ(asked[0], now());
  double first = p.at();
  loop_.advance(Seconds(first - now() + 0.001));
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(p.at(), first + 5);
  EXPECT_EQ(asked.size(), 2u);
}

TEST_F(PeriodicManualTest, RefusesBadArgumentsAndStopsOnABadReschedule) {
  auto cb = [] {};
  EXPECT_THROW((void)periodic(NAN, 1, cb), std::invalid_argument);
  EXPECT_THROW((void)periodic(0, INFINITY, cb), std::invalid_argument);
  EXPECT_THROW((void)periodic(0, -1, cb), std::invalid_argument);
  EXPECT_THROW((void)periodic(0, 1, nullptr), std::invalid_argument);
  EXPECT_THROW((void)periodic([](double t) { return t; }, cb), std::invalid_argument);
  EXPECT_THROW((void)periodic([](double) { return NAN; }, cb), std::invalid_argument);
  EXPECT_THROW((void)periodic(nullptr, cb), std::invalid_argument);
  EXPECT_EQ(loop_->active_watchers(), 0u);
  int calls = 0;
  Periodic p = periodic([&](double t) { return ++calls == 1 ? t + 1 : t - 1; }, cb);
  EXPECT_THROW(loop_.advance(2s), std::logic_error);
  EXPECT_FALSE(p.active());
}

class PeriodicTest : public LoopTest {};

TEST_P(PeriodicTest, FiresAtShortWallClockIntervalsUntilDestroyedInItsCallback) {
  std::vector<double> instants, fired_at;
  CondVar<> done;
  Periodic p;
  p = periodic(0, 0.02, [&] {
    fired_at.push_back(time());
    if (fired_at.size() == 3) {
      p.reset();
      done.send();
    } else {
      instants.push_back(p.at());
    }
  });
  instants.insert(instants.begin(), p.at());
  ASSERT_TRUE(done.wait_for(kPatience));
  ASSERT_EQ(fired_at.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_GE(fired_at[i], instants[i]) << "fired before its wall-clock instant";
    EXPECT_NEAR(std::remainder(instants[i], 0.02), 0, 1e-5);
  }
  CondVar<> later;
  Timer t = timer(0.05, [&] { later.send(); });
  ASSERT_TRUE(later.wait_for(kPatience));
  EXPECT_EQ(fired_at.size(), 3u);
}

TEST_P(PeriodicTest, UnreferencedItLetsRunReturnAndItOutlivesItsLoop) {
  Periodic p = periodic(0, 3600, [] {});
  p.unref();
  loop().run();
  auto other = std::make_unique<Loop>();
  Periodic q = other->periodic(0, 1, [] {});
  other.reset();
  EXPECT_FALSE(q.active());
}

INSTANTIATE_TEST_SUITE_P(AllBackends, PeriodicTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
