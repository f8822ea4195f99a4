// Prepare and check watchers on every backend: once per iteration, at its end and at its start.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using IterationTest = LoopTest;

TEST_P(IterationTest, CheckRunsBeforeAndPrepareAfterTheCallbacksOfAnIteration) {
  std::vector<std::string> order;
  int fd[2];
  ASSERT_EQ(::pipe2(fd, O_NONBLOCK | O_CLOEXEC), 0);
  CondVar<> read_done;
  Io reader = io(fd[0], kRead, [&] {
    char c;
    while (::read(fd[0], &c, 1) == 1) {
    }
    order.push_back("io");
    postpone([&] { order.push_back("postponed"); });
  });
  Check c = check([&] { order.push_back("check"); });
  Prepare p = prepare([&] {
    order.push_back("prepare");
    if (std::find(order.begin(), order.end(), "io") != order.end()) read_done.send();
  });
  // Let the watchers settle into their iterations, then make one iteration with an event.
  ASSERT_TRUE(run_until([&] { return order.size() >= 2; }));
  order.clear();
  ASSERT_EQ(::write(fd[1], "x", 1), 1);
  ASSERT_TRUE(read_done.wait_for(kPatience));
  // Iterations that found nothing may come first (check, prepare); the one with the event runs
  // its check first and its prepare after everything else.
  auto io_at = std::find(order.begin(), order.end(), "io") - order.begin();
  ASSERT_GE(io_at, 1);
  EXPECT_EQ(order[io_at - 1], "check");
  ASSERT_EQ(order.size(), static_cast<std::size_t>(io_at) + 3);
  EXPECT_EQ(order[io_at + 1], "postponed");
  EXPECT_EQ(order[io_at + 2], "prepare");
  reader.reset();
  ::close(fd[0]);
  ::close(fd[1]);
}

TEST_P(IterationTest, PrepareRunsBeforeTheFirstWait) {
  // A prepare made outside any iteration runs before the loop waits: here it runs although the
  // only other watcher is an hour away.
  CondVar<> prepared;
  Prepare p = prepare([&] { prepared.send(); });
  Timer far = timer(3600.0, [] {});
  ASSERT_TRUE(prepared.wait_for(kPatience));
}

TEST_P(IterationTest, RunOncePerIterationAndKeepTheLoopRunning) {
  int checks = 0, prepares = 0;
  Check c = check([&] { ++checks; });
  Prepare p = prepare([&] { ++prepares; });
  EXPECT_EQ(loop().referenced_watchers(), 2u);
  int ticks = 0;
  CondVar<> done;
  Timer t = timer(0.0, 0.001, [&] {
    if (++ticks == 5) done.send();
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_GE(checks, 5);
  EXPECT_GE(prepares, 5);
  EXPECT_LE(checks - prepares, 1);
  EXPECT_LE(prepares - checks, 1);
  // Unreferenced, they let run() return.
  c.unref();
  p.unref();
  t.reset();
  loop().run();
}

TEST_P(IterationTest, DestroyedInsideTheirOwnOrEachOthersCallbackTheyStop) {
  int checks = 0, prepares = 0;
  Check c;
  Prepare p;
  c = check([&] {
    ++checks;
    c.reset();
  });
  p = prepare([&] {
    ++prepares;
    p.reset();
  });
  CondVar<> done;
  Timer t = timer(0.0, 0.001, [&, ticks = 0]() mutable {
    if (++ticks == 5) done.send();
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(checks, 1);
  EXPECT_EQ(prepares, 1);
  // One destroying the other: the second never runs once the first has.
  int second = 0;
  Prepare victim;
  Prepare killer = prepare([&] { victim.reset(); });
  victim = prepare([&] { ++second; });
  CondVar<> later;
  Timer u = timer(0.01, [&] { later.send(); });
  ASSERT_TRUE(later.wait_for(kPatience));
  EXPECT_EQ(second, 0);
}

TEST_P(IterationTest, ExceptionsPropagateAndEmptyCallbacksAreRefused) {
  Check c = check([] { throw std::runtime_error("from check"); });
  Timer wake = timer(0.0, [] {});  // a check runs after a wait: give the loop one to end
  EXPECT_THROW(loop().run_once(true), std::runtime_error);
  c.reset();
  Prepare p = prepare([] { throw std::runtime_error("from prepare"); });
  EXPECT_THROW(loop().run_once(true), std::runtime_error);
  p.reset();
  EXPECT_THROW((void)prepare(nullptr), std::invalid_argument);
  EXPECT_THROW((void)check(nullptr), std::invalid_argument);
}

TEST_P(IterationTest, OutliveTheirLoop) {
  auto other = std::make_unique<Loop>();
  Prepare p = other->prepare([] {});
  Check c = other->check([] {});
  other.reset();
  EXPECT_FALSE(p.active());
  p.reset();
  c.unref();
}

INSTANTIATE_TEST_SUITE_P(AllBackends, IterationTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
