// The first signal or child watcher of a process makes the eventfd signals arrive through. When
// that eventfd gets the number of an fd whose io watcher just went away (its removal from epoll
// still queued), the queued removal must not take the eventfd out of the loop's epoll set: child
// exits would then never be reported. This binary holds only this test, so that its child
// watcher is the first of the process.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "core/condvar.h"
#include "core/loop.h"

namespace ae {
namespace {

using namespace std::chrono_literals;

TEST(SignalFdReuseTest, ChildExitIsReportedWhenTheEventfdReusesAWatchedFdNumber) {
  Loop loop(make_backend("asio"));
  Loop::Scope scope(loop);
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char c;
    ssize_t ignored = ::read(go[0], &c, 1);  // exits once the parent watches it
    (void)ignored;
    ::_exit(7);
  }

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  Io r = io(fds[0], kRead, [] {});
  loop.run_once(false);  // the pipe's read end is now in the epoll set
  r.reset();
  ::close(fds[0]);  // its removal from epoll is still queued; the number is the lowest free one

  CondVar<int> exited;
  Child w = child(pid, [&](pid_t, int status) { exited.send(status); });
  char link[64] = "";
  ssize_t n =
      ::readlink(("/proc/self/fd/" + std::to_string(fds[0])).c_str(), link, sizeof link - 1);
  std::string target(link, n > 0 ? static_cast<std::size_t>(n) : 0);
  ASSERT_EQ(::write(go[1], "x", 1), 1);
  if (target.find("eventfd") == std::string::npos) {
    (void)exited.wait_for(5s);
    GTEST_SKIP() << "the eventfd did not reuse fd " << fds[0] << " (" << target << ")";
  }
  ASSERT_TRUE(exited.wait_for(5s)) << "the child's exit was not reported";
  int status = exited.recv();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7);
  ::close(fds[1]);
  ::close(go[0]);
  ::close(go[1]);
}

}  // namespace
}  // namespace ae
