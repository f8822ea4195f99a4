// Timeouts alone, on a clock the test moves: which kind is due when, how activity and resets move
// the deadlines, and the deadline for the peer's answer to a filter close.
#include "handle/internal/timeouts.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "tests/support/loop.h"
#include "tests/support/manual_backend.h"

namespace ae::handle_internal {
namespace {

using namespace std::chrono_literals;

// The owner's side, as HandleImpl plays it: on each firing, takes every due kind and the close
// deadline, and arms the timer again.
class TimeoutsTest : public ::testing::Test {
 protected:
  void on_due() {
    ++firings;
    for (Timeouts::Kind k : Timeouts::kKinds) {
      if (timeouts.take_due(k)) due.push_back(k);
    }
    if (timeouts.close_overdue(awaiting_close)) {
      ++close_overdue;
      return;
    }
    timeouts.arm(awaiting_close);
  }

  ae::testing::TestLoop loop{"manual"};
  Timeouts timeouts{loop.loop(), [this] { on_due(); }};
  bool awaiting_close = false;
  int firings = 0;
  int close_overdue = 0;
  std::vector<Timeouts::Kind> due;
};

TEST_F(TimeoutsTest, NothingFiresWithoutAPeriod) {
  timeouts.start();
  timeouts.arm(false);
  loop.advance(3600s);
  EXPECT_EQ(firings, 0);
}

TEST_F(TimeoutsTest, AKindIsDueWhenItsPeriodPassesWithoutActivity) {
  timeouts.set_period(Timeouts::kRead, 5);
  timeouts.set_period(Timeouts::kWrite, 7);
  timeouts.start();
  timeouts.arm(false);
  loop.advance(4900ms);
  EXPECT_TRUE(due.empty());
  loop.advance(100ms);
  EXPECT_EQ(due, (std::vector<Timeouts::Kind>{Timeouts::kRead}));
  loop.advance(2s);
  EXPECT_EQ(due, (std::vector<Timeouts::Kind>{Timeouts::kRead, Timeouts::kWrite}));
  timeouts.drop();
}

TEST_F(TimeoutsTest, ADueKindCountsAsActiveThenAndIsDueAgainAPeriodLater) {
  timeouts.set_period(Timeouts::kAny, 5);
  timeouts.start();
  timeouts.arm(false);
  loop.advance(5s);
  loop.advance(4s);
  EXPECT_EQ(due.size(), 1u);
  loop.advance(1s);
  EXPECT_EQ(due.size(), 2u);
  timeouts.drop();
}

TEST_F(TimeoutsTest, ActivityMovesTheDeadlineAndAnEarlyFiringIsNotDue) {
  timeouts.set_period(Timeouts::kRead, 5);
  timeouts.set_period(Timeouts::kAny, 5);
  timeouts.start();
  timeouts.arm(false);
  loop.advance(4s);
  timeouts.read();  // no timer is touched
  loop.advance(1s);
  EXPECT_EQ(firings, 1) << "the timer fires at the old deadline";
  EXPECT_TRUE(due.empty()) << "but nothing is due: the read moved both deadlines";
  loop.advance(3900ms);
  EXPECT_TRUE(due.empty());
  loop.advance(100ms);
  EXPECT_EQ(due, (std::vector<Timeouts::Kind>{Timeouts::kAny, Timeouts::kRead}));
  timeouts.drop();
}

TEST_F(TimeoutsTest, AWriteMovesOnlyTheAnyAndWriteDeadlines) {
  for (Timeouts::Kind k : Timeouts::kKinds) timeouts.set_period(k, 5);
  timeouts.start();
  timeouts.arm(false);
  loop.advance(3s);
  timeouts.wrote();
  loop.advance(2s);
  EXPECT_EQ(due, (std::vector<Timeouts::Kind>{Timeouts::kRead}));
  loop.advance(3s);
  EXPECT_EQ(due, (std::vector<Timeouts::Kind>{Timeouts::kRead, Timeouts::kAny, Timeouts::kWrite}));
  timeouts.drop();
}

TEST_F(TimeoutsTest, StartAndResetCountFromAFreshTimeNotTheLoopsCachedOne) {
  auto& clock = dynamic_cast<ae::testing::ManualBackend&>(loop->backend());
  timeouts.set_period(Timeouts::kRead, 5);
  clock.advance(2s);  // time passes inside a callback; the loop's now() is still the old one
  timeouts.start();
  timeouts.arm(false);
  loop.advance(4s);  // 4 s after start, 6 s after the cached time
  EXPECT_TRUE(due.empty());
  clock.advance(500ms);
  timeouts.reset(Timeouts::kRead);
  timeouts.arm(false);
  loop.advance(4900ms);  // 4.9 s after the reset, 5.4 s after the loop's time before it
  EXPECT_TRUE(due.empty());
  loop.advance(100ms);
  EXPECT_EQ(due, (std::vector<Timeouts::Kind>{Timeouts::kRead}));
  timeouts.drop();
}

TEST_F(TimeoutsTest, TheCloseDeadlineCountsFromTheLaterOfTheCloseAndTheLastRead) {
  timeouts.set_close_timeout(10);
  timeouts.start();
  awaiting_close = true;
  timeouts.close_started();
  timeouts.arm(true);
  loop.advance(6s);
  timeouts.read();  // the peer is still sending: its close may be on the way
  loop.advance(4s);
  EXPECT_EQ(close_overdue, 0);
  loop.advance(5900ms);
  EXPECT_EQ(close_overdue, 0);
  loop.advance(100ms);
  EXPECT_EQ(close_overdue, 1);
  EXPECT_TRUE(due.empty());
}

TEST_F(TimeoutsTest, TheCloseDeadlineCountsOnlyWhileACloseIsAwaited) {
  timeouts.set_close_timeout(10);
  timeouts.start();
  timeouts.close_started();
  timeouts.arm(false);
  loop.advance(60s);
  EXPECT_EQ(firings, 0);
  timeouts.set_close_timeout(0);  // wait as long as it takes
  timeouts.arm(true);
  loop.advance(60s);
  EXPECT_EQ(firings, 0);
}

TEST_F(TimeoutsTest, DisarmStopsTheTimerUntilTheNextArm) {
  timeouts.set_period(Timeouts::kAny, 1);
  timeouts.start();
  timeouts.arm(false);
  timeouts.disarm();
  loop.advance(10s);
  EXPECT_EQ(firings, 0);
  timeouts.arm(false);  // overdue: fires at once
  loop.advance(0s);
  EXPECT_EQ(due.size(), 1u);
  timeouts.drop();
}

TEST_F(TimeoutsTest, RejectsNegativeAndNanPeriods) {
  EXPECT_THROW(timeouts.set_period(Timeouts::kAny, -1), std::invalid_argument);
  EXPECT_THROW(timeouts.set_period(Timeouts::kRead, std::nan("")), std::invalid_argument);
  EXPECT_THROW(timeouts.set_close_timeout(-0.5), std::invalid_argument);
  EXPECT_EQ(timeouts.period(Timeouts::kAny), 0);
  EXPECT_EQ(timeouts.close_timeout(), 30);
  EXPECT_STREQ(Timeouts::name(Timeouts::kWrite), "wtimeout");
}

}  // namespace
}  // namespace ae::handle_internal
