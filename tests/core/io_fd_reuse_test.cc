// An io watcher on an fd number that was closed and reopened since the loop last told the kernel
// about it still fires: closing an fd drops it from epoll, so the loop must register it again
// even though the interest mask it remembers for that number is the same.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "core/loop.h"

namespace ae {
namespace {

class IoFdReuseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(IoFdReuseTest, WatcherOnAReopenedFdNumberFires) {
  Loop loop(make_backend(GetParam()));
  Loop::Scope scope(loop);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  int first = 0;
  Io w = io(sv[0], kWrite, [&] { ++first; });
  for (int round = 0; round < 3 && first == 0; ++round) loop.run_once(false);
  ASSERT_GT(first, 0);

  // Within one iteration: the watcher goes, the fd closes, the same number comes back.
  w.reset();
  ::close(sv[0]);
  int reopened = ::dup(sv[1]);
  ASSERT_GE(reopened, 0);
  if (reopened != sv[0]) GTEST_SKIP() << "the fd number was not reused";
  int second = 0;
  Io w2 = io(reopened, kWrite, [&] { ++second; });
  // Non-blocking rounds: a stale registration would leave the watcher deaf here.
  for (int round = 0; round < 3 && second == 0; ++round) loop.run_once(false);
  EXPECT_GT(second, 0);
  w2.reset();
  ::close(reopened);
  ::close(sv[1]);
}

INSTANTIATE_TEST_SUITE_P(Backends, IoFdReuseTest, ::testing::Values("asio", "uv"));

}  // namespace
}  // namespace ae
