// Child watchers on every backend: exit codes, deaths by signal, children that exited before
// the watcher existed, pid 0, kept statuses and bad input.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <stdexcept>
#include <system_error>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

pid_t spawn_exiting(int code) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(code);
  return pid;
}

// Waits (without reaping) until `pid` has exited.
void wait_exited(pid_t pid) {
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
}

using ChildTest = LoopTest;

TEST_P(ChildTest, ReportsTheExitCode) {
  pid_t pid = spawn_exiting(3);
  ASSERT_GT(pid, 0);
  CondVar<pid_t, int> exited;
  Child c = child(pid, [&](pid_t p, int status) { exited.send(p, status); });
  ASSERT_TRUE(exited.wait_for(kPatience));
  auto [p, status] = exited.recv();
  EXPECT_EQ(p, pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_FALSE(c.active()) << "a process exits once";
}

TEST_P(ChildTest, ReportsDeathBySignal) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(pid, 0);
  CondVar<int> exited;
  Child c = child(pid, [&](pid_t, int status) { exited.send(status); });
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  ASSERT_TRUE(exited.wait_for(kPatience));
  int status = exited.recv();
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST_P(ChildTest, ReportsAChildThatExitedBeforeTheWatcherExisted) {
  pid_t pid = spawn_exiting(7);
  ASSERT_GT(pid, 0);
  wait_exited(pid);
  int calls = 0;
  CondVar<int> exited;
  Child c = child(pid, [&](pid_t, int status) {
    ++calls;
    exited.send(WEXITSTATUS(status));
  });
  EXPECT_EQ(calls, 0) << "never inside the call that made the watcher";
  ASSERT_TRUE(exited.wait_for(kPatience));
  EXPECT_EQ(exited.recv(), 7);
}

TEST_P(ChildTest, PidZeroReportsEveryChild) {
  std::set<pid_t> expected, seen;
  CondVar<> all;
  Child any = child(0, [&](pid_t p, int status) {
    EXPECT_TRUE(WIFEXITED(status));
    seen.insert(p);
    if (seen == expected) all.send();
  });
  for (int i = 0; i < 3; ++i) expected.insert(spawn_exiting(i));
  ASSERT_TRUE(all.wait_for(kPatience));
  EXPECT_TRUE(any.active()) << "a pid-0 watcher keeps watching";
}

TEST_P(ChildTest, StatusReapedForAnyChildIsKeptForALaterWatcher) {
  // A pid-0 watcher reaps every child; a watcher for one pid made afterwards still gets it,
  // where AnyEvent would lose it.
  pid_t pid = spawn_exiting(5);
  CondVar<> reaped;
  Child any = child(0, [&](pid_t p, int) {
    if (p == pid) reaped.send();
  });
  ASSERT_TRUE(reaped.wait_for(kPatience));
  any.reset();
  CondVar<int> exited;
  Child late = child(pid, [&](pid_t, int status) { exited.send(WEXITSTATUS(status)); });
  ASSERT_TRUE(exited.wait_for(kPatience));
  EXPECT_EQ(exited.recv(), 5);
}

TEST_P(ChildTest, DestroyingTheWatcherBeforeTheExitSuppressesTheCallback) {
  pid_t pid = spawn_exiting(0);
  bool called = false;
  {
    Child c = child(pid, [&](pid_t, int) { called = true; });
  }
  wait_exited(pid);
  CondVar<> done;
  Timer t = timer(0.05, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_FALSE(called);
  ::waitpid(pid, nullptr, 0);
}

TEST_P(ChildTest, RejectsNegativePidsAndStrangers) {
  EXPECT_THROW((void)child(-1, [](pid_t, int) {}), std::invalid_argument);
  try {
    (void)child(1, [](pid_t, int) {});  // init is nobody's child here
    ADD_FAILURE() << "no error for a pid that is not our child";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::no_child_process);
  }
  EXPECT_EQ(loop().active_watchers(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ChildTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
