#include <unistd.h>

#include <gtest/gtest.h>

#include "core/backend.h"
#include "core/condvar.h"
#include "core/loop.h"
#include "core/task.h"

using namespace std::chrono_literals;

TEST(SmokeTest, TimerAndPipe) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ae::CondVar<int> cv;
  int fired = 0;
  ae::Timer t = ae::timer(0.01, [&] {
    ++fired;
    ASSERT_EQ(write(fds[1], "x", 1), 1);
  });
  ae::Io r = ae::io(fds[0], ae::kRead, [&] {
    char c;
    ASSERT_EQ(read(fds[0], &c, 1), 1);
    cv.send(fired);
  });
  EXPECT_EQ(cv.recv(), 1);
  close(fds[0]);
  close(fds[1]);
}

ae::Task<int> add_later(int a, int b) {
  ae::CondVar<> tick;
  ae::Timer t = ae::timer(0.01, [tick]() mutable { tick.send(); });
  co_await tick;
  co_return a + b;
}

TEST(SmokeTest, Coroutine) { EXPECT_EQ(add_later(1, 2).recv(), 3); }

TEST(SmokeTest, UvBackend) {
  ae::Loop loop(ae::make_backend("uv"));
  ae::Loop::Scope scope(loop);
  EXPECT_EQ(loop.model(), "uv");
  EXPECT_EQ(add_later(2, 3).recv(), 5);
}
