// The loop fixture and run_until.
#include "tests/support/loop.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

class TestLoopTest : public LoopTest {};

TEST_P(TestLoopTest, TheLoopIsCurrentWhileTheFixtureLives) {
  EXPECT_EQ(&Loop::current(), &loop());
  EXPECT_EQ(loop().model(), GetParam().substr(0, GetParam().find('_')));
}

TEST_P(TestLoopTest, RunUntilReturnsOnceTheConditionHolds) {
  bool fired = false;
  Timer t = ae::timer(0.01, [&] { fired = true; });
  EXPECT_TRUE(run_until([&] { return fired; }));
}

TEST_P(TestLoopTest, RunUntilGivesUpAfterItsTimeout) {
  EXPECT_FALSE(run_until([] { return false; }, 0.01s));
}

TEST_P(TestLoopTest, PostponedWorkRunsBeforeTheFinalCheck) {
  auto* t = new Timer(ae::timer(3600s, [] {}));
  ae::postpone([t] { delete t; });
}

INSTANTIATE_TEST_SUITE_P(Backends, TestLoopTest, ::testing::ValuesIn([] {
                           std::vector<std::string> b = all_backends();
                           b.push_back("manual");
                           return b;
                         }()),
                         backend_name);

TEST(TestLoopCheckTest, AWatcherLeftBehindFailsTheTest) {
  Timer* leaked = nullptr;
  EXPECT_NONFATAL_FAILURE(
      {
        TestLoop loop("manual");
        leaked = new Timer(ae::timer(1s, 1s, [] {}));
      },
      "a watcher outlived the test");
  delete leaked;  // inert now: its loop is gone
}

TEST(TestLoopCheckTest, AnUnknownBackendIsAnError) {
  EXPECT_THROW(TestLoop("no-such-backend"), std::runtime_error);
}

}  // namespace
}  // namespace ae::testing
