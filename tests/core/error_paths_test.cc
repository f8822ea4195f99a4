// Error paths of //core: a loop, signal watcher or child watcher that cannot be made (an
// allocation fails at any point) leaves nothing behind: no fd, no installed handler, no crash.
#include <signal.h>

#include <cstdlib>
#include <new>
#include <string>

#include "core/backend.h"
#include "core/loop.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"

namespace {

// Allocations this thread may still make before operator new fails; -1: never fails.
thread_local long t_allocations_left = -1;

}  // namespace

void* operator new(std::size_t size) {
  if (t_allocations_left == 0) throw std::bad_alloc();
  if (t_allocations_left > 0) --t_allocations_left;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace ae::testing {
namespace {

// Lets `n` more allocations succeed on this thread, then fails every one, while it lives.
class FailingAllocations {
 public:
  explicit FailingAllocations(long n) { t_allocations_left = n; }
  ~FailingAllocations() { t_allocations_left = -1; }
  FailingAllocations(const FailingAllocations&) = delete;
  FailingAllocations& operator=(const FailingAllocations&) = delete;
};

std::size_t open_fds() { return files_in("/proc/self/fd").size(); }

using sighandler = void (*)(int);
sighandler handler_of(int signum) {
  struct sigaction sa {};
  ::sigaction(signum, nullptr, &sa);
  return sa.sa_handler;
}

class ErrorPathTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ErrorPathTest, ALoopThatCannotBeMadeLeavesNoFdBehind) {
  // A first loop makes what a backend library opens once per process (libuv's signal pipe).
  { Loop warm_up(make_backend(GetParam())); }
  for (long allowed = 0;; ++allowed) {
    // Counted before the backend is made: a loop that fails takes its backend's fds with it.
    std::size_t before = open_fds();
    std::unique_ptr<Backend> backend = make_backend(GetParam());
    ASSERT_TRUE(backend);
    bool made = false;
    {
      FailingAllocations failing(allowed);
      try {
        Loop loop(std::move(backend));
        made = true;
      } catch (const std::bad_alloc&) {
      }
    }
    EXPECT_EQ(open_fds(), before) << "after failing allocation " << allowed;
    if (made) break;
  }
}

TEST_P(ErrorPathTest, ASignalWatcherThatCannotBeMadeLeavesNoHandler) {
  TestLoop loop(GetParam());
  sighandler before = handler_of(SIGUSR1);
  Function<void()> cb = [] {};
  {
    FailingAllocations failing(0);
    EXPECT_THROW(Signal s = loop->signal(SIGUSR1, std::move(cb)), std::bad_alloc);
  }
  EXPECT_EQ(handler_of(SIGUSR1), before);
}

TEST_P(ErrorPathTest, AChildWatcherThatCannotBeMadeLeavesNoHandler) {
  TestLoop loop(GetParam());
  sighandler before = handler_of(SIGCHLD);
  Function<void(pid_t, int)> cb = [](pid_t, int) {};
  {
    FailingAllocations failing(0);
    EXPECT_THROW(Child c = loop->child(0, std::move(cb)), std::bad_alloc);
  }
  EXPECT_EQ(handler_of(SIGCHLD), before);
}

INSTANTIATE_TEST_SUITE_P(Models, ErrorPathTest, ::testing::Values("asio", "uv"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ae::testing
