// A new io watcher is registered with the kernel before the loop next waits, even when nothing
// else (no due timer, no posted work) would make the loop dispatch.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "core/loop.h"

namespace ae {
namespace {

class IoRegistrationTest : public ::testing::TestWithParam<std::string> {};

TEST_P(IoRegistrationTest, WatcherOnAReadyFdFiresWithoutATimerToWakeTheLoop) {
  Loop loop(make_backend(GetParam()));
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  int fired = 0;
  {
    Loop::Scope scope(loop);
    Io r = io(fds[0], kRead, [&] {
      char c;
      if (::read(fds[0], &c, 1) == 1) ++fired;
    });
    // Non-blocking rounds: a loop that waited for the kernel without registering the fd first
    // would see nothing here (and a blocking round would then wait forever).
    for (int round = 0; round < 3 && fired == 0; ++round) loop.run_once(false);
  }
  EXPECT_EQ(fired, 1);
  ::close(fds[0]);
  ::close(fds[1]);
}

INSTANTIATE_TEST_SUITE_P(Backends, IoRegistrationTest, ::testing::Values("asio", "uv"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ae
