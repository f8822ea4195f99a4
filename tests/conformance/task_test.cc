// Coroutine lifetime on every backend: a coroutine its loop can no longer resume is destroyed
// with that loop, its locals with it (LeakSanitizer checks that nothing is left).
#include <memory>
#include <string>

#include "core/condvar.h"
#include "core/task.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"

namespace ae::testing {
namespace {

// Sets its flag when destroyed: a local of the coroutine, destroyed with the frame.
struct Witness {
  explicit Witness(bool& destroyed) : destroyed(destroyed) {}
  ~Witness() { destroyed = true; }
  bool& destroyed;
};

Task<> wait_on(CondVar<> cv, bool& destroyed, bool& resumed) {
  Witness w(destroyed);
  auto owned = std::make_unique<std::string>(100, 'x');  // something LeakSanitizer would see
  co_await cv;
  resumed = true;
}

class TaskLifetimeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TaskLifetimeTest, ACoroutineWaitingOnADroppedCondVarIsDestroyedWithItsLoop) {
  bool destroyed = false, resumed = false;
  {
    TestLoop loop(GetParam());
    {
      CondVar<> never;
      Task<> t = wait_on(never, destroyed, resumed);
      EXPECT_FALSE(t.ready());
    }  // every copy of the variable but the coroutine's own is gone: nobody can send it
    EXPECT_FALSE(destroyed);
  }
  EXPECT_TRUE(destroyed) << "the coroutine's frame outlived its loop";
  EXPECT_FALSE(resumed);
}

TEST_P(TaskLifetimeTest, ACoroutineWhoseResumptionWasStillPostponedIsDestroyedWithItsLoop) {
  bool destroyed = false, resumed = false;
  {
    TestLoop loop(GetParam());
    loop.allow_watchers_left();  // and so no last iterations: the resumption stays postponed
    CondVar<> cv;
    Task<> t = wait_on(cv, destroyed, resumed);
    cv.send();  // postpones the resumption
    EXPECT_FALSE(resumed);
  }
  EXPECT_TRUE(destroyed) << "the coroutine's frame outlived its loop";
  EXPECT_FALSE(resumed);
}

TEST_P(TaskLifetimeTest, ACoroutineThatResumesIsNotDestroyedByItsLoop) {
  bool destroyed = false, resumed = false;
  TestLoop loop(GetParam());
  CondVar<> cv;
  Task<> t = wait_on(cv, destroyed, resumed);
  cv.send();
  t.recv();
  EXPECT_TRUE(resumed);
  EXPECT_TRUE(destroyed) << "a finished coroutine frees itself";
}

INSTANTIATE_TEST_SUITE_P(AllBackends, TaskLifetimeTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
