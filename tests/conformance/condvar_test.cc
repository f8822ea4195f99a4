// CondVar on every backend: every rule of AnyEvent::CondVar, plus co_await.
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "core/condvar.h"
#include "core/task.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using CondVarTest = LoopTest;

TEST_P(CondVarTest, RecvRunsTheLoopUntilSend) {
  CondVar<int> cv;
  Timer t = timer(0.01, [&] { cv.send(42); });
  EXPECT_FALSE(cv.ready());
  EXPECT_EQ(cv.recv(), 42);
  EXPECT_TRUE(cv.ready());
  EXPECT_EQ(cv.recv(), 42) << "recv never blocks once ready and may be repeated";
}

TEST_P(CondVarTest, SeveralValuesComeAsATuple) {
  CondVar<int, std::string> cv;
  cv.send(1, "one");
  auto [n, s] = cv.recv();
  EXPECT_EQ(n, 1);
  EXPECT_EQ(s, "one");
}

TEST_P(CondVarTest, ALaterSendOverwritesTheValues) {
  CondVar<int> cv;
  cv.send(1);
  cv.send(2);
  EXPECT_EQ(cv.recv(), 2);
}

TEST_P(CondVarTest, CopiesShareOneVariable) {
  CondVar<int> cv;
  Timer t = timer(0.0, [copy = cv]() mutable { copy.send(7); });
  EXPECT_EQ(cv.recv(), 7);
}

TEST_P(CondVarTest, CroakIsRethrownByEveryRecv) {
  CondVar<int> cv;
  Timer t = timer(0.0, [&] { cv.croak("it failed"); });
  for (int i = 0; i < 2; ++i) {
    try {
      cv.recv();
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "it failed");
    }
  }
}

TEST_P(CondVarTest, RecursiveBlockingRecvThrows) {
  CondVar<> outer, inner;
  std::string error;
  Timer t = timer(0.0, [&] {
    try {
      inner.recv();
    } catch (const std::logic_error& e) {
      error = e.what();
    }
    outer.send();
  });
  outer.recv();
  EXPECT_NE(error.find("recursive blocking wait"), std::string::npos) << error;
}

TEST_P(CondVarTest, RecvInsideACallbackOfRunIsAllowed) {
  // Only a wait inside another wait is recursive; a callback run by run() may wait.
  CondVar<> done;
  int value = 0;
  Timer t = timer(0.0, [&] {
    CondVar<int> inner;
    Timer u = timer(0.0, [&] { inner.send(5); });
    value = inner.recv();
    done.send();
  });
  loop().run();
  EXPECT_TRUE(done.ready());
  EXPECT_EQ(value, 5);
}

TEST_P(CondVarTest, CallbackRunsInsideSendAndOnlyOnce) {
  CondVar<int> cv;
  std::vector<int> seen;
  cv.cb([&](CondVar<int>& v) { seen.push_back(v.recv()); });
  cv.send(1);
  ASSERT_EQ(seen, std::vector<int>{1});
  cv.send(2);
  EXPECT_EQ(seen, std::vector<int>{1}) << "the callback is dropped after it ran";
}

TEST_P(CondVarTest, CallbackOnAReadyVariableRunsAtOnce) {
  CondVar<> cv;
  cv.send();
  bool ran = false;
  cv.cb([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST_P(CondVarTest, BeginEndWithNoTasksSends) {
  CondVar<> cv;
  cv.begin();
  cv.end();
  EXPECT_TRUE(cv.ready());
}

TEST_P(CondVarTest, BeginEndCountsOutstandingTasks) {
  CondVar<> all;
  std::vector<Timer> timers;
  all.begin();
  for (int i = 0; i < 5; ++i) {
    all.begin();
    timers.push_back(timer(0.001 * i, [&] { all.end(); }));
  }
  all.end();
  EXPECT_FALSE(all.ready());
  ASSERT_TRUE(all.wait_for(kPatience));
}

TEST_P(CondVarTest, GroupCallbackLastOneWinsAndRefiresOnEachReturnToZero) {
  CondVar<> cv;
  std::vector<char> calls;
  cv.begin([&] { calls.push_back('a'); });
  cv.begin([&] { calls.push_back('b'); });
  cv.end();
  cv.end();
  EXPECT_EQ(calls, std::vector<char>{'b'});
  EXPECT_FALSE(cv.ready()) << "a group callback replaces send()";
  cv.begin();
  cv.end();
  EXPECT_EQ(calls, (std::vector<char>{'b', 'b'}));
}

TEST_P(CondVarTest, MoreEndsThanBeginsNeverFire) {
  CondVar<> cv;
  cv.end();  // -1
  cv.begin();
  cv.end();  // back to -1, not 0
  EXPECT_FALSE(cv.ready());
}

TEST_P(CondVarTest, IsCallableAsACallback) {
  CondVar<int> cv;
  Function<void(int)> f = cv;
  f(9);
  EXPECT_EQ(cv.recv(), 9);
}

TEST_P(CondVarTest, WaitForGivesUpAfterTheTimeout) {
  CondVar<> never;
  double start = time();
  EXPECT_FALSE(never.wait_for(0.05s));
  EXPECT_GE(time() - start, 0.045);
}

TEST_P(CondVarTest, MoveOnlyValuesAreMovedOut) {
  CondVar<std::unique_ptr<int>> cv;
  cv.send(std::make_unique<int>(3));
  std::unique_ptr<int> p = cv.recv();
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 3);
}

Task<int> add_after_a_tick(int a, int b) {
  CondVar<> tick;
  Timer t = timer(0.01, [tick]() mutable { tick.send(); });
  co_await tick;
  co_return a + b;
}

Task<int> failing_task() {
  CondVar<> tick;
  Timer t = timer(0.0, [tick]() mutable { tick.send(); });
  co_await tick;
  throw std::runtime_error("task failed");
}

Task<> chain(std::vector<int>& out) {
  out.push_back(co_await add_after_a_tick(1, 2));
  out.push_back(co_await add_after_a_tick(3, 4));
}

TEST_P(CondVarTest, CoroutinesAwaitCondVarsAndTasks) {
  EXPECT_EQ(add_after_a_tick(20, 22).recv(), 42);
  std::vector<int> out;
  chain(out).recv();
  EXPECT_EQ(out, (std::vector<int>{3, 7}));
}

TEST_P(CondVarTest, AnExceptionInACoroutineCroaksItsTask) {
  Task<int> t = failing_task();
  EXPECT_THROW(t.recv(), std::runtime_error);
}

TEST_P(CondVarTest, CoAwaitOnAReadyVariableDoesNotSuspend) {
  CondVar<int> ready;
  ready.send(4);
  auto task = [](CondVar<int> cv) -> Task<int> { co_return co_await cv * 2; }(ready);
  EXPECT_TRUE(task.ready());
  EXPECT_EQ(task.recv(), 8);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, CondVarTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
