// postpone() and Loop::post() on every backend.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/conformance/fixture.h"

namespace ae::testing {
namespace {

using PostponeTest = Conformance;

TEST_P(PostponeTest, NeverRunsInsideTheCallAndKeepsFifoOrder) {
  std::string order;
  CondVar<> done;
  order += "sync ";
  postpone([&] { order += "a "; });
  postpone([&] {
    order += "b ";
    // Postponed while the queue drains: runs in the same batch, after what is queued.
    postpone([&] {
      order += "d";
      done.send();
    });
  });
  postpone([&] { order += "c "; });
  EXPECT_EQ(order, "sync ");
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(order, "sync a b c d");
}

TEST_P(PostponeTest, RunsAfterTheCurrentCallbackBeforeTheNextEvents) {
  std::vector<std::string> order;
  CondVar<> done;
  Timer later;
  Timer first = timer(0.0, [&] {
    later = timer(0.0, [&] {
      order.push_back("timer");
      done.send();
    });
    postpone([&] { order.push_back("postponed"); });
    order.push_back("callback");
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(order, (std::vector<std::string>{"callback", "postponed", "timer"}));
}

TEST_P(PostponeTest, PostFromAnotherThreadRunsOnTheLoop) {
  CondVar<std::thread::id> ran_on;
  std::atomic<int> count{0};
  constexpr int kPosts = 1000;
  Loop& l = loop();
  std::thread poster([&] {
    for (int i = 0; i < kPosts; ++i) {
      l.post([&] {
        if (++count == kPosts) ran_on.send(std::this_thread::get_id());
      });
    }
  });
  ASSERT_TRUE(ran_on.wait_for(kPatience));
  poster.join();
  EXPECT_EQ(ran_on.recv(), std::this_thread::get_id());
  EXPECT_EQ(count.load(), kPosts);
}

TEST_P(PostponeTest, PostWakesALoopBlockedWithNothingToWatch) {
  CondVar<int> got;
  Loop& l = loop();
  std::thread poster([&] { l.post([&] { got.send(1); }); });
  EXPECT_EQ(got.recv(), 1);
  poster.join();
}

AE_CONFORMANCE_SUITE(PostponeTest);

}  // namespace
}  // namespace ae::testing
