// Exceptions thrown by callbacks leave run() and recv(), reach the program, and leave the loop
// usable with nothing lost, on every backend.
#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using ExceptionTest = LoopTest;

TEST_P(ExceptionTest, ThrowFromATimerLeavesRecv) {
  CondVar<> never;
  Timer t = timer(0.0, [] { throw std::runtime_error("boom"); });
  EXPECT_THROW(never.recv(), std::runtime_error);
}

TEST_P(ExceptionTest, ThrowFromACallbackLeavesRun) {
  Timer t = timer(0.0, [] { throw std::domain_error("from run"); });
  EXPECT_THROW(loop().run(), std::domain_error);
}

TEST_P(ExceptionTest, TheLoopStaysUsableAndTheOtherDueCallbacksStillRun) {
  bool second_ran = false;
  Timer a = timer(0.0, [] { throw std::runtime_error("first"); });
  Timer b = timer(0.0, [&] { second_ran = true; });
  CondVar<> never;
  EXPECT_THROW(never.recv(), std::runtime_error);
  CondVar<> done;
  Timer c = timer(0.01, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_TRUE(second_ran);
}

TEST_P(ExceptionTest, ThrowFromAnIoWatcherAndAPostponedCall) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  {
    Io w = io(fds[1], kWrite, [] { throw std::runtime_error("io"); });
    CondVar<> never;
    EXPECT_THROW(never.recv(), std::runtime_error);
  }
  postpone([] { throw std::runtime_error("postponed"); });
  bool after = false;
  postpone([&] { after = true; });
  CondVar<> never;
  EXPECT_THROW(never.recv(), std::runtime_error);
  CondVar<> done;
  Timer t = timer(0.0, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_TRUE(after) << "the call postponed after the throwing one still ran";
  ::close(fds[0]);
  ::close(fds[1]);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ExceptionTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
