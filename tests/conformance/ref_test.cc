// ref/unref on every backend: an unreferenced watcher fires while the loop runs for other reasons,
// but does not keep run() (or a borrowed loop) running by itself.
#include <fcntl.h>
#include <unistd.h>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using RefTest = LoopTest;

TEST_P(RefTest, RunReturnsWhenOnlyUnreferencedWatchersAreLeft) {
  Timer housekeeping = timer(3600.0, 3600.0, [] {});
  Idle idler = idle([] {});
  housekeeping.unref();
  idler.unref();
  EXPECT_FALSE(housekeeping.has_ref());
  EXPECT_EQ(loop().referenced_watchers(), 0u);
  EXPECT_EQ(loop().active_watchers(), 2u);
  int fired = 0;
  Timer work = timer(0.01, [&] { ++fired; });
  loop().run();  // returns once `work` has fired: the other two do not hold it
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(housekeeping.active());
}

TEST_P(RefTest, AnUnreferencedWatcherFiresWhileTheLoopRunsForOthers) {
  int ticks = 0;
  Timer tick = timer(0.0, 0.001, [&] { ++ticks; });
  tick.unref();
  CondVar<> done;
  Timer check = timer(0.0, 0.001, [&] {
    if (ticks >= 3) done.send();
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_GE(ticks, 3);
}

TEST_P(RefTest, RefUndoesUnrefAndBothAreIdempotent) {
  int fd[2];
  ASSERT_EQ(::pipe2(fd, O_NONBLOCK | O_CLOEXEC), 0);
  Io reader = io(fd[0], kRead, [] {});
  reader.unref();
  reader.unref();
  EXPECT_EQ(loop().referenced_watchers(), 0u);
  reader.ref();
  reader.ref();
  EXPECT_TRUE(reader.has_ref());
  EXPECT_EQ(loop().referenced_watchers(), 1u);
  // A stopped watcher keeps its choice, and counts again as it says when it starts.
  reader.unref();
  reader.stop();
  EXPECT_EQ(loop().active_watchers(), 0u);
  reader.start();
  EXPECT_EQ(loop().active_watchers(), 1u);
  EXPECT_EQ(loop().referenced_watchers(), 0u);
  reader.reset();
  EXPECT_EQ(loop().active_watchers(), 0u);
  EXPECT_FALSE(reader.has_ref());
  ::close(fd[0]);
  ::close(fd[1]);
}

TEST_P(RefTest, ReferencingAgainFromACallbackKeepsTheLoopRunning) {
  int ticks = 0;
  Timer tick;
  tick = timer(0.0, 0.001, [&] {
    if (++ticks == 3) tick.ref();
    if (ticks == 10) tick.reset();
  });
  tick.unref();
  // Runs the loop until tick, referenced again at its third call, holds it by itself.
  Timer keeper;
  keeper = timer(0.0, 0.001, [&] {
    if (ticks >= 3) keeper.reset();
  });
  loop().run();  // returns once tick is gone
  EXPECT_EQ(ticks, 10);
}

TEST_P(RefTest, UnrefAfterFiringAndAfterTheLoopIsGoneIsHarmless) {
  CondVar<> fired;
  Timer once = timer(0.0, [&] { fired.send(); });
  fired.recv();
  EXPECT_FALSE(once.active());
  once.unref();
  once.ref();
  EXPECT_EQ(loop().active_watchers(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, RefTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
