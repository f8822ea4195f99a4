// Kept exit statuses against pid reuse, and statuses gathered in one reap pass against a
// callback that throws, on every backend.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <vector>

#include "core/condvar.h"
#include "core/internal/child_registry.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

using ChildStatusTest = LoopTest;

// Waits (without reaping) until `pid` has exited.
void wait_exited(pid_t pid) {
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
}

// A status kept for a pid belongs to a process that is gone. When the kernel has given that pid
// to a new child since, the new child's watcher waits for the new child's own exit.
TEST_P(ChildStatusTest, AKeptStatusNeverGoesToALiveChildWithTheSamePid) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(pid, 0);
  // What a pid-0 watcher keeps when it reaps an earlier process of that pid that nobody watched.
  core_internal::child_registry_keep(pid, 42 << 8, nullptr);
  std::optional<int> status;
  Child c = child(pid, [&](pid_t, int s) { status = s; });
  CondVar<> turn;
  postpone([&] { turn.send(); });
  turn.recv();  // one dispatch: a kept status would be delivered in it
  EXPECT_FALSE(status) << "the live child was reported with an earlier process's status";
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  ASSERT_TRUE(WIFSIGNALED(*status)) << *status;
  EXPECT_EQ(WTERMSIG(*status), SIGTERM);
  EXPECT_FALSE(core_internal::child_registry_take(pid)) << "the stale status is dropped";
}

// Core promises that no status is lost: when the callback throws for the first of two statuses
// reaped together, the second is still delivered, on the next iteration.
TEST_P(ChildStatusTest, AnAnyChildCallbackThatThrowsLosesNothing) {
  pid_t a = ::fork();
  if (a == 0) ::_exit(1);
  pid_t b = ::fork();
  if (b == 0) ::_exit(2);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  wait_exited(a);
  wait_exited(b);
  std::vector<pid_t> seen;
  Child any = child(0, [&](pid_t p, int) {
    seen.push_back(p);
    if (seen.size() == 1) throw std::runtime_error("first status");
  });
  auto both = [&] {
    int found = 0;
    for (pid_t p : seen) found += (p == a || p == b) ? 1 : 0;
    return found == 2;
  };
  EXPECT_THROW(run_until(both), std::runtime_error);
  ASSERT_TRUE(run_until(both)) << "a status reaped with the one whose callback threw was lost";
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ChildStatusTest, ::testing::ValuesIn(all_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
