// Signal watchers on every backend: delivery from the loop, coalescing, sharing, names, bad input,
// and the dispositions ae sets up and restores.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using SignalTest = LoopTest;

TEST_P(SignalTest, IsDeliveredFromTheLoopNotFromTheSignalHandler) {
  int calls = 0;
  CondVar<> got;
  Signal s = signal("USR1", [&] {
    ++calls;
    got.send();
  });
  ASSERT_EQ(::raise(SIGUSR1), 0);
  EXPECT_EQ(calls, 0) << "ran inside raise()";
  ASSERT_TRUE(got.wait_for(kPatience));
  EXPECT_EQ(calls, 1);
}

TEST_P(SignalTest, OccurrencesBetweenIterationsCoalesce) {
  int calls = 0;
  Signal s = signal(SIGUSR2, [&] { ++calls; });
  for (int i = 0; i < 5; ++i) ASSERT_EQ(::raise(SIGUSR2), 0);
  CondVar<> done;
  Timer t = timer(0.05, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(calls, 1);
}

TEST_P(SignalTest, TwoWatchersOfOneSignalBothRun) {
  int a = 0, b = 0;
  CondVar<> done;
  Signal sa = signal("SIGHUP", [&] { ++a; });
  Signal sb = signal("HUP", [&] {
    ++b;
    done.send();
  });
  ASSERT_EQ(::raise(SIGHUP), 0);
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
}

TEST_P(SignalTest, DestroyingOneWatcherKeepsTheOther) {
  int a = 0;
  CondVar<> got;
  Signal sa = signal("USR1", [&] { ++a; });
  Signal sb = signal("USR1", [&] { got.send(); });
  sa.reset();
  ASSERT_EQ(::raise(SIGUSR1), 0);
  ASSERT_TRUE(got.wait_for(kPatience));
  EXPECT_EQ(a, 0);
}

TEST_P(SignalTest, LastWatcherGoneRestoresTheEarlierDisposition) {
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGWINCH, nullptr, &before), 0);
  {
    Signal s = signal("WINCH", [] {});
    struct sigaction during {};
    ASSERT_EQ(::sigaction(SIGWINCH, nullptr, &during), 0);
    EXPECT_NE(during.sa_handler, before.sa_handler);
  }
  struct sigaction after {};
  ASSERT_EQ(::sigaction(SIGWINCH, nullptr, &after), 0);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

TEST_P(SignalTest, RejectsUnknownNamesAndUncatchableNumbers) {
  EXPECT_THROW((void)signal("NOSUCH", [] {}), std::invalid_argument);
  EXPECT_THROW((void)signal("", [] {}), std::invalid_argument);
  EXPECT_THROW((void)signal(SIGKILL, [] {}), std::invalid_argument);
  EXPECT_THROW((void)signal(SIGSTOP, [] {}), std::invalid_argument);
  EXPECT_THROW((void)signal(0, [] {}), std::invalid_argument);
  EXPECT_THROW((void)signal(65, [] {}), std::invalid_argument);
  EXPECT_THROW((void)signal(-3, [] {}), std::invalid_argument);
  EXPECT_EQ(loop().active_watchers(), 0u);
}

TEST_P(SignalTest, NamesAndNumbersMapBothWays) {
  EXPECT_EQ(sig2num("TERM"), SIGTERM);
  EXPECT_EQ(sig2num("SIGINT"), SIGINT);
  EXPECT_EQ(sig2num("CHLD"), SIGCHLD);
  EXPECT_EQ(sig2num("RTMIN+1"), SIGRTMIN + 1);
  EXPECT_EQ(sig2num("bogus"), 0);
  EXPECT_EQ(sig2name(SIGUSR1), "USR1");
  EXPECT_EQ(sig2name(999), "");
}

TEST_P(SignalTest, SigpipeDoesNotKillTheProgram) {
  // AnyEvent installs a no-op SIGPIPE handler: writing to a closed pipe gives EPIPE instead.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  EXPECT_EQ(::write(fds[1], "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
  ::close(fds[1]);
}

void program_handler(int) {}

TEST_P(SignalTest, AHandlerTheProgramInstalledLaterStaysWhenTheLastWatcherGoes) {
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGUSR2, nullptr, &before), 0);
  {
    Signal s = signal(SIGUSR2, [] {});
    struct sigaction mine {};
    mine.sa_handler = &program_handler;
    sigemptyset(&mine.sa_mask);
    ASSERT_EQ(::sigaction(SIGUSR2, &mine, nullptr), 0);
  }  // the last watcher goes: the program's handler is its decision, and stays
  struct sigaction now {};
  ASSERT_EQ(::sigaction(SIGUSR2, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, &program_handler);
  ::sigaction(SIGUSR2, &before, nullptr);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, SignalTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
