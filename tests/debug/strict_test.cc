#include "debug/strict.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <thread>

#include "core/core.h"
#include "debug/wrap.h"
#include "gtest/gtest.h"
#include "tests/debug/debug_test_util.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace {

using ae::debug::StrictViolation;
using ae::testing::run_until;

// "tests/debug/strict_test.cc:LINE: ", how a violation names the call on LINE.
std::string site(unsigned line) { return "tests/debug/strict_test.cc:" + std::to_string(line); }

// Runs `make` and returns the message of the StrictViolation it throws ("" if none).
template <class F>
std::string violation_of(F make) {
  try {
    make();
  } catch (const StrictViolation& e) {
    return e.what();
  }
  return "";
}

class StrictTest : public ae::testing::LoopTest {
 protected:
  void SetUp() override { ae::debug::strict(true); }
  void TearDown() override { ae::debug::strict(false); }

  ae::debug_test::DebugLines log_;
};

TEST_P(StrictTest, BadTimesThrowNamingTheCallersLine) {
  unsigned line = __LINE__ + 1;
  std::string m = violation_of([] { ae::Timer t = ae::timer(-1, [] {}); });
  EXPECT_NE(m.find(site(line)), std::string::npos) << m;
  EXPECT_NE(m.find("after -1"), std::string::npos) << m;

  line = __LINE__ + 1;
  m = violation_of([] { ae::Timer t = ae::timer(NAN, [] {}); });
  EXPECT_NE(m.find(site(line)), std::string::npos) << m;
  EXPECT_NE(m.find("after nan"), std::string::npos) << m;

  line = __LINE__ + 1;
  m = violation_of([] { ae::Timer t = ae::timer(1, -0.5, [] {}); });
  EXPECT_NE(m.find(site(line)), std::string::npos) << m;
  EXPECT_NE(m.find("interval -0.5"), std::string::npos) << m;

  m = violation_of([] { ae::Timer t = ae::timer(1, NAN, [] {}); });
  EXPECT_NE(m.find("interval nan"), std::string::npos) << m;

  // An interval of 0 means "once", in core as in AnyEvent::Strict.
  EXPECT_EQ(violation_of([] { ae::Timer t = ae::timer(1, 0, [] {}); }), "");
}

TEST_P(StrictTest, IoOnARegularFileOrAClosedFdThrows) {
  std::string path = ae::testing::temp_dir("strict") + "/plain";
  int file = ::open(path.c_str(), O_CREAT | O_RDWR, 0600);
  ASSERT_GE(file, 0);
  unsigned line = __LINE__ + 1;
  std::string m = violation_of([&] { ae::Io w = ae::io(file, ae::kRead, [] {}); });
  EXPECT_NE(m.find(site(line)), std::string::npos) << m;
  EXPECT_NE(m.find("regular file"), std::string::npos) << m;
  ::close(file);

  line = __LINE__ + 1;
  m = violation_of([&] { ae::Io w = ae::io(file, ae::kWrite, [] {}); });
  EXPECT_NE(m.find(site(line)), std::string::npos) << m;
  EXPECT_NE(m.find("is not open"), std::string::npos) << m;

  m = violation_of([&] { ae::Io w = ae::io(-3, ae::kRead, [] {}); });
  EXPECT_NE(m.find("negative fd -3"), std::string::npos) << m;
}

TEST_P(StrictTest, BadSignalsAndPidsThrow) {
  unsigned line = __LINE__ + 1;
  std::string m = violation_of([] { ae::Signal s = ae::signal("NOSUCHSIGNAL", [] {}); });
  EXPECT_NE(m.find(site(line)), std::string::npos) << m;
  EXPECT_NE(m.find("\"NOSUCHSIGNAL\" is not a signal name"), std::string::npos) << m;

  m = violation_of([] { ae::Signal s = ae::signal(SIGKILL, [] {}); });
  EXPECT_NE(m.find("not a catchable signal"), std::string::npos) << m;

  line = __LINE__ + 1;
  m = violation_of([] { ae::Child c = ae::child(-2, [](pid_t, int) {}); });
  EXPECT_NE(m.find(site(line)), std::string::npos) << m;
  EXPECT_NE(m.find("negative pid -2"), std::string::npos) << m;
}

TEST_P(StrictTest, RecvInsideACallbackOfTheSameLoopThrows) {
  ae::CondVar<> never;
  std::string m;
  unsigned line = 0;
  ae::Timer t = ae::timer(0, [&] {
    line = __LINE__ + 1;
    m = violation_of([&] { never.recv(); });
  });
  ASSERT_TRUE(run_until([&] { return !m.empty(); }));
  EXPECT_NE(m.find(site(line)), std::string::npos) << m;
  EXPECT_NE(m.find("inside a callback"), std::string::npos) << m;

  // Outside any callback, recv() runs the loop as ever.
  ae::CondVar<int> cv;
  ae::Timer send = ae::timer(0, [&] { cv.send(7); });
  EXPECT_EQ(cv.recv(), 7);
}

TEST_P(StrictTest, AWatcherMadeOrReArmedOnAnotherThreadThrows) {
  ae::Timer armed = ae::timer(100, [] {});
  bool ran = false;
  ae::Timer once = ae::timer(0, [&] { ran = true; });
  ASSERT_TRUE(run_until([&] { return ran; }));  // this thread now runs the loop

  ae::Loop& l = loop();
  std::string made;
  std::string rearmed;
  unsigned made_line = 0;
  unsigned rearm_line = 0;
  std::thread other([&] {
    made_line = __LINE__ + 1;
    made = violation_of([&] { ae::Timer t = l.timer(1, [] {}); });
    rearm_line = __LINE__ + 1;
    rearmed = violation_of([&] { armed.set(5); });
  });
  other.join();
  EXPECT_NE(made.find(site(made_line)), std::string::npos) << made;
  EXPECT_NE(made.find("on a thread other than the one that runs its loop"), std::string::npos)
      << made;
  EXPECT_NE(rearmed.find(site(rearm_line)), std::string::npos) << rearmed;
  EXPECT_NE(rearmed.find("re-armed"), std::string::npos) << rearmed;
}

TEST_P(StrictTest, AWatchedFdClosedUnderItsWatcherIsLoggedAsCritical) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ae::Io w = ae::io(fds[0], ae::kRead, [] {});
  ::close(fds[0]);
  ae::Timer tick = ae::timer(0, 0.05, [] {});  // keeps the loop iterating until the check runs
  ASSERT_TRUE(run_until([&] { return log_.count("prematurely closed") > 0; }));
  EXPECT_EQ(log_.count("crit: fd " + std::to_string(fds[0]) + " of #"), 1u);
  EXPECT_EQ(log_.count("tests/debug/strict_test.cc"), 1u);
  w.reset();
  ::close(fds[1]);
}

// The same little program, with strict mode on and off: the events arrive in the same order.
std::string run_program() {
  std::string events;
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  ae::CondVar<> done;
  int ticks = 0;
  ae::Timer tick;
  ae::Io reader = ae::io(fds[0], ae::kRead, [&] {
    char c;
    if (::read(fds[0], &c, 1) == 1) events += std::string("read ") + c + ";";
    tick.reset();
    done.send();
  });
  tick = ae::timer(0.001, 0.001, [&] {
    events += "tick;";
    if (++ticks == 3) {
      tick.stop();
      if (::write(fds[1], "x", 1) != 1) events += "write failed;";
    }
  });
  done.recv();
  reader.reset();
  ::close(fds[0]);
  ::close(fds[1]);
  return events;
}

TEST_P(StrictTest, AProgramWithoutViolationsBehavesAsWithoutStrictMode) {
  std::string strict = run_program();
  ae::debug::strict(false);
  EXPECT_EQ(ae::debug_hooks(), nullptr) << "strict mode off installs nothing";
  std::string plain = run_program();
  EXPECT_EQ(strict, plain);
  EXPECT_EQ(plain, "tick;tick;tick;read x;");
  EXPECT_EQ(log_.lines().size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StrictTest, ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

}  // namespace
