// Idle watchers on every backend.
#include <fcntl.h>
#include <unistd.h>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using IdleTest = LoopTest;

TEST_P(IdleTest, RunsRepeatedlyWhileNothingElseHappens) {
  int calls = 0;
  CondVar<> done;
  Idle i = idle([&] {
    if (++calls == 100) done.send();
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(calls, 100);
}

TEST_P(IdleTest, DoesNotRunInAnIterationThatHadEvents) {
  // With a write watcher always ready, every iteration has an event: idle never runs.
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  int idles = 0, writes = 0;
  CondVar<> done;
  Idle i = idle([&] { ++idles; });
  Io w = io(fds[1], kWrite, [&] {
    if (++writes == 50) done.send();
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(idles, 0);
  w.reset();
  i.reset();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_P(IdleTest, DoesNotStarveTimers) {
  CondVar<> fired;
  Idle i = idle([] {});
  Timer t = timer(0.02, [&] { fired.send(); });
  ASSERT_TRUE(fired.wait_for(kPatience));
}

TEST_P(IdleTest, StopsWhenDestroyedInsideItsCallback) {
  int calls = 0;
  Idle i;
  i = idle([&] {
    ++calls;
    i.reset();
  });
  CondVar<> done;
  Timer t = timer(0.02, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(calls, 1);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, IdleTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
