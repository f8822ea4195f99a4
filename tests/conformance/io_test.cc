// Io watchers on every backend: pipes and socketpairs, level triggering, many watchers per fd,
// destruction inside callbacks, dispatch order, bad fds.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "core/condvar.h"
#include "tests/conformance/backends.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::testing {
namespace {

// A pipe or socketpair whose ends close with the test.
struct FdPair {
  int a = -1, b = -1;
  static FdPair pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    return {fds[0], fds[1]};
  }
  static FdPair socketpair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    return {fds[0], fds[1]};
  }
  ~FdPair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
};

using IoTest = LoopTest;

TEST_P(IoTest, ReadWatcherFiresWhenAPipeBecomesReadable) {
  FdPair p = FdPair::pipe();
  CondVar<std::string> got;
  Io r = io(p.a, kRead, [&] {
    char buf[16];
    ssize_t n = ::read(p.a, buf, sizeof buf);
    got.send(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0));
  });
  Timer w = timer(0.01, [&] { ASSERT_EQ(::write(p.b, "hi", 2), 2); });
  ASSERT_TRUE(got.wait_for(kPatience));
  EXPECT_EQ(got.recv(), "hi");
}

TEST_P(IoTest, IsLevelTriggeredUntilTheDataIsRead) {
  FdPair p = FdPair::pipe();
  ASSERT_EQ(::write(p.b, "x", 1), 1);
  int calls = 0;
  CondVar<> done;
  Io r = io(p.a, kRead, [&] {
    // Not reading: the watcher must keep firing on every iteration.
    if (++calls == 3) {
      char c;
      ASSERT_EQ(::read(p.a, &c, 1), 1);
      done.send();
    }
  });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(calls, 3);
}

TEST_P(IoTest, WriteWatcherFiresOnAWritableSocket) {
  FdPair s = FdPair::socketpair();
  CondVar<> writable;
  Io w = io(s.a, kWrite, [&] { writable.send(); });
  ASSERT_TRUE(writable.wait_for(kPatience));
}

TEST_P(IoTest, ManyWatchersOnOneFdAllFire) {
  FdPair s = FdPair::socketpair();
  ASSERT_EQ(::write(s.b, "x", 1), 1);
  constexpr int kEach = 50;
  std::vector<int> calls(2 * kEach);
  std::vector<Io> watchers;
  CondVar<std::vector<int>> done;
  auto check = [&] {
    if (std::count(calls.begin(), calls.end(), 0) == 0 && !done.ready()) done.send(calls);
  };
  for (int i = 0; i < 2 * kEach; ++i) {
    watchers.push_back(io(s.a, i % 2 == 0 ? kRead : kWrite, [&, i] {
      ++calls[static_cast<std::size_t>(i)];
      check();
    }));
  }
  ASSERT_TRUE(done.wait_for(kPatience));
  // Every watcher ran once before any ran twice: one event reaches all of them.
  EXPECT_EQ(done.recv(), std::vector<int>(2 * kEach, 1));
}

TEST_P(IoTest, WritersAreDispatchedBeforeReaders) {
  FdPair s = FdPair::socketpair();
  ASSERT_EQ(::write(s.b, "x", 1), 1);
  std::vector<char> order;
  CondVar<> done;
  Io r = io(s.a, kRead, [&] {
    order.push_back('r');
    done.send();
  });
  Io w = io(s.a, kWrite, [&] { order.push_back('w'); });
  ASSERT_TRUE(done.wait_for(kPatience));
  r.reset();
  w.reset();
  ASSERT_GE(order.size(), 2u);
  EXPECT_EQ(order[0], 'w');
  EXPECT_EQ(order[1], 'r');
}

TEST_P(IoTest, DestroyingAnotherWatcherOfTheSameFdInsideACallbackStopsIt) {
  FdPair s = FdPair::socketpair();
  std::vector<Io> watchers(2);
  int second_calls = 0, first_calls = 0;
  watchers[0] = io(s.a, kWrite, [&] {
    ++first_calls;
    watchers[1].reset();
  });
  watchers[1] = io(s.a, kWrite, [&] { ++second_calls; });
  CondVar<> done;
  Timer t = timer(0.02, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  watchers[0].reset();
  EXPECT_GT(first_calls, 0);
  EXPECT_EQ(second_calls, 0);
}

TEST_P(IoTest, DestroyingItselfInsideItsCallbackStopsIt) {
  FdPair s = FdPair::socketpair();
  int calls = 0;
  Io w;
  w = io(s.a, kWrite, [&] {
    ++calls;
    w.reset();
  });
  CondVar<> done;
  Timer t = timer(0.02, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_EQ(calls, 1);
}

TEST_P(IoTest, StopAndStartPauseAWatcher) {
  FdPair s = FdPair::socketpair();
  int calls = 0;
  Io w = io(s.a, kWrite, [&] { ++calls; });
  w.stop();
  EXPECT_FALSE(w.active());
  CondVar<> quiet;
  Timer t = timer(0.02, [&] { quiet.send(); });
  ASSERT_TRUE(quiet.wait_for(kPatience));
  EXPECT_EQ(calls, 0);
  CondVar<> fired;
  Io stopper;
  w.reset();
  w = io(s.a, kWrite, [&] {
    ++calls;
    fired.send();
  });
  w.stop();
  w.start();
  ASSERT_TRUE(fired.wait_for(kPatience));
  EXPECT_GE(calls, 1);
}

TEST_P(IoTest, HangupWakesAReader) {
  FdPair p = FdPair::pipe();
  CondVar<ssize_t> got;
  Io r = io(p.a, kRead, [&] {
    char c;
    got.send(::read(p.a, &c, 1));
  });
  Timer t = timer(0.01, [&] {
    ::close(p.b);
    p.b = -1;
  });
  ASSERT_TRUE(got.wait_for(kPatience));
  EXPECT_EQ(got.recv(), 0) << "EOF";
}

TEST_P(IoTest, RegularFilesCountAsAlwaysReady) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/regular";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  CondVar<> readable;
  Io r = io(fd, kRead, [&] { readable.send(); });
  ASSERT_TRUE(readable.wait_for(kPatience));
  r.reset();
  ::close(fd);
}

TEST_P(IoTest, RejectsNegativeAndClosedFds) {
  EXPECT_THROW((void)io(-1, kRead, [] {}), std::invalid_argument);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  ::close(fds[1]);
  try {
    (void)io(fds[0], kRead, [] {});
    ADD_FAILURE() << "no error for a closed fd";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::bad_file_descriptor);
  }
  EXPECT_EQ(loop().active_watchers(), 0u);
}

TEST_P(IoTest, AnFdClosedUnderAWatcherStopsItWithoutSpinning) {
  FdPair s = FdPair::socketpair();
  int dup = ::dup(s.a);
  int calls = 0;
  Io w = io(dup, kRead, [&] { ++calls; });
  ::close(dup);  // a programming error; the loop must survive it
  CondVar<> done;
  Timer t = timer(0.05, [&] { done.send(); });
  ASSERT_TRUE(done.wait_for(kPatience));
  EXPECT_LE(calls, 1);
  w.reset();
}

INSTANTIATE_TEST_SUITE_P(AllBackends, IoTest, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
