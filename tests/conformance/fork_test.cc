// Fork safety on every backend: a forked child that exits, destroys or uses a loop it inherited
// never touches its parent's kernel objects (epoll sets, eventfds, the foreign loop's).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

// Owns the loop, so that exit() in a child destroys it as it destroys a thread's default loop.
thread_local std::unique_ptr<TestLoop> t_inherited;

class ForkTest : public ::testing::TestWithParam<std::string> {
 protected:
  ForkTest() {
    t_inherited = std::make_unique<TestLoop>(GetParam());
    if (::pipe2(pipe_, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2";
  }
  ~ForkTest() override {
    reader_ = Io();
    t_inherited.reset();
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }

  // Watches the pipe and lets one iteration put it into the loop's epoll set.
  void watch_pipe() {
    reader_ = io(pipe_[0], kRead, [this] {
      char byte;
      if (::read(pipe_[0], &byte, 1) == 1) readable_ = true;
    });
    CondVar<> registered;
    postpone([&] { registered.send(); });
    registered.recv();
  }

  // After the child is gone, the child watcher and then the pipe must each wake the parent's loop
  // by themselves. The patience timer is the failure path only: a loop whose epoll set the child
  // took out of the foreign loop's is woken by nothing else, and then runs the io watchers in
  // that same iteration.
  void expect_parent_still_hears(pid_t pid, int expected_exit_code) {
    bool gave_up = false;
    Timer patience = timer(kPatience, [&] { gave_up = true; });
    std::optional<int> status;
    Child c = child(pid, [&](pid_t, int s) { status = s; });
    ASSERT_TRUE(run_until([&] { return status || gave_up; }, 2 * kPatience));
    EXPECT_FALSE(gave_up) << "the parent's loop did not hear its child exit";
    ASSERT_TRUE(status && WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), expected_exit_code);
    ASSERT_EQ(::write(pipe_[1], "x", 1), 1);
    ASSERT_TRUE(run_until([&] { return readable_ || gave_up; }, 2 * kPatience));
    EXPECT_FALSE(gave_up) << "the parent's io watcher went deaf after its child exited";
    EXPECT_TRUE(readable_);
  }

  int pipe_[2] = {-1, -1};
  Io reader_;
  bool readable_ = false;
};

TEST_P(ForkTest, AChildThatCallsExitLeavesTheParentsWatchersAlone) {
  watch_pipe();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    t_inherited->allow_watchers_left();
    std::exit(0);  // destroys t_inherited, and so the loop, in the child
  }
  expect_parent_still_hears(pid, 0);
}

TEST_P(ForkTest, AChildThatStopsAnInheritedWatcherLeavesTheParentsAlone) {
  watch_pipe();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Stopping the last watcher of an fd takes the fd out of the epoll set at once: in the
    // child, out of the child's own set, never the parent's.
    reader_ = Io();
    ::_exit(0);
  }
  expect_parent_still_hears(pid, 0);
}

TEST_P(ForkTest, AChildMayUseTheLoopItInherited) {
  watch_pipe();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The inherited loop works in the child: a timer, and an io watcher on the child's own pipe.
    int mine[2];
    bool ok = ::pipe(mine) == 0;
    CondVar<> heard;
    Io r = io(mine[0], kRead, [&] { heard.send(); });
    Timer t = timer(0.01, [&] { ok = ok && ::write(mine[1], "y", 1) == 1; });
    ok = heard.wait_for(kPatience) && ok;
    r = Io();
    reader_ = Io();
    t_inherited.reset();
    ::_exit(ok ? 0 : 1);
  }
  expect_parent_still_hears(pid, 0);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ForkTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
