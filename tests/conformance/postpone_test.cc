// postpone() and Loop::post() on every backend.
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using PostponeTest = LoopTest;

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

// Posts racing with the loop's drain must leave no trace once every one of them ran: a loop that
// still believes a post is on its way waits for it forever (run(), or a borrowed io.run() or
// uv_run(), would never return). Each round, another thread posts a burst while this one drains
// without blocking, so that posts and drains overlap as often as they can.
TEST_P(PostponeTest, ConcurrentPostsLeaveNothingBehindOnceDrained) {
  constexpr int kRounds = 2000;
  constexpr int kPostsPerRound = 3;
  Loop& l = loop();
  std::atomic<int> started{0};  // the round the poster may post
  std::atomic<int> posted{0};   // the last round the poster finished posting
  int ran = 0;
  std::thread poster([&] {
    for (int round = 1; round <= kRounds; ++round) {
      while (started.load(std::memory_order_acquire) < round) {
      }
      for (int i = 0; i < kPostsPerRound; ++i) l.post([&ran] { ++ran; });
      posted.store(round, std::memory_order_release);
    }
  });
  for (int round = 1; round <= kRounds; ++round) {
    started.store(round, std::memory_order_release);
    while (posted.load(std::memory_order_acquire) < round || ran < round * kPostsPerRound) {
      l.run_once(false);
    }
    // A wakeup written after the last drain may still be read; then nothing is left to do.
    int iterations = 0;
    while (l.run_once(false) && iterations < 100) ++iterations;
    if (iterations == 100) {
      ADD_FAILURE() << "round " << round << ": the loop still waits for a post";
      started.store(kRounds, std::memory_order_release);
      break;
    }
  }
  poster.join();
}

// ---- postpone_cancellable ----

TEST_P(PostponeTest, CancellableRunsLikePostponeUntilItsGuardGoes) {
  std::string order;
  CondVar<> done;
  Guard kept = postpone_cancellable([&] { order += "kept "; });
  Guard dropped = postpone_cancellable([&] { order += "dropped "; });
  postpone([&] { done.send(); });
  order += "sync ";
  dropped.reset();
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(order, "sync kept ");
}

TEST_P(PostponeTest, CancellingReleasesTheCapturesAtOnce) {
  auto owned = std::make_shared<int>(1);
  std::weak_ptr<int> watch = owned;
  Guard g = postpone_cancellable([owned = std::move(owned)] {});
  EXPECT_FALSE(watch.expired());
  g.reset();
  EXPECT_TRUE(watch.expired());
}

TEST_P(PostponeTest, CancellableCanBeCancelledByAnEarlierCallOfTheSameBatch) {
  int runs = 0;
  CondVar<> done;
  Guard second;
  Guard first = postpone_cancellable([&] { second.reset(); });
  second = postpone_cancellable([&] { ++runs; });
  postpone([&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(runs, 0);
}

TEST_P(PostponeTest, CancellableGuardMayBeDestroyedInsideItsOwnCall) {
  CondVar<int> done;
  Guard g;
  g = postpone_cancellable([&] {
    g.reset();  // harmless: the call already runs
    done.send(1);
  });
  ASSERT_TRUE(done.wait_for(kPatience));
}

TEST(PostponeCancellableTest, AGuardOutlivingItsLoopIsHarmless) {
  Guard g;
  {
    Loop loop;
    g = loop.postpone_cancellable([] { ADD_FAILURE() << "ran after its loop was gone"; });
  }
  g.reset();
}

// ---- delete_later ----

struct Tracked {
  explicit Tracked(std::vector<std::string>& log) : log(log) {}
  ~Tracked() { log.push_back("deleted"); }
  std::vector<std::string>& log;
};

TEST_P(PostponeTest, DeleteLaterInsideACallbackWaitsUntilItReturns) {
  std::vector<std::string> log;
  CondVar<> done;
  auto object = std::make_unique<Tracked>(log);
  Timer t = timer(0.0, [&] {
    Tracked* raw = object.get();
    delete_later(std::move(object));
    raw->log.push_back("still usable");  // the point: `raw` is alive until the callback ends
    postpone([&] {
      log.push_back("postponed before");
      done.send();
    });
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(log, (std::vector<std::string>{"still usable", "deleted", "postponed before"}));
}

TEST_P(PostponeTest, DeleteLaterOutsideAnyCallbackDeletesAtOnce) {
  std::vector<std::string> log;
  loop().delete_later(std::make_unique<Tracked>(log));
  EXPECT_EQ(log, (std::vector<std::string>{"deleted"}));
}

TEST_P(PostponeTest, DeleteLaterTakesSharedOwnersToo) {
  std::vector<std::string> log;
  CondVar<> done;
  auto shared = std::make_shared<Tracked>(log);
  std::weak_ptr<Tracked> watch = shared;
  Timer t = timer(0.0, [&] {
    delete_later(std::move(shared));
    EXPECT_FALSE(watch.expired());
    postpone([&] { done.send(); });
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_TRUE(watch.expired());
}

TEST_P(PostponeTest, AnObjectHandedOverBeforeACallbackThrowsIsStillDeleted) {
  std::vector<std::string> log;
  auto object = std::make_unique<Tracked>(log);
  Timer t = timer(0.0, [&] {
    delete_later(std::move(object));
    throw std::runtime_error("callback failed");
  });
  EXPECT_THROW(loop().run(), std::runtime_error);
  CondVar<> done;
  postpone([&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(log, (std::vector<std::string>{"deleted"}));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, PostponeTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
