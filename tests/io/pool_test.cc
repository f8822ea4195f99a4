// The worker pool: many concurrent requests, the cancellation rules, several loops on several
// threads, and loops that go away with requests in flight. Runs under ThreadSanitizer.
#include "io/internal/pool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/core.h"
#include "io/aio.h"
#include "tests/io/io_test_util.h"
#include "tests/support/env.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::fs {
namespace {

using ae::testing::run_until;
using ae::testing::write_file;
using io_internal::Pool;

class PoolTest : public ::testing::TestWithParam<std::string> {
 protected:
  ae::testing::ScopedEnv model_{"AE_IO_MODEL", "pool"};
  ae::testing::TestLoop loop_{GetParam()};
  std::string dir_ = ae::testing::fs::test_dir();
};

TEST_P(PoolTest, TenThousandConcurrentStatsAllSucceed) {
  constexpr int kFiles = 100;
  constexpr int kStats = 10000;
  std::vector<std::string> files;
  for (int i = 0; i < kFiles; ++i) {
    files.push_back(dir_ + "/f" + std::to_string(i));
    ASSERT_TRUE(write_file(files.back(), std::string(static_cast<std::size_t>(i), 'x')));
  }
  int ok = 0;
  int wrong = 0;
  std::vector<Guard> guards;
  guards.reserve(kStats);
  for (int i = 0; i < kStats; ++i) {
    guards.push_back(aio_stat(files[i % kFiles], [&, i](Result<struct stat> st) {
      if (st && st->st_size == i % kFiles) {
        ++ok;
      } else {
        ++wrong;
      }
    }));
  }
  ASSERT_TRUE(run_until([&] { return ok + wrong == kStats; }))
      << ok << " ok, " << wrong << " wrong of " << kStats;
  EXPECT_EQ(ok, kStats);
  EXPECT_LE(Pool::instance().threads(), Pool::instance().max_threads());
  EXPECT_GE(Pool::instance().threads(), 1u);
}

TEST_P(PoolTest, CancelledRequestsNeverCallBackAndTheRestDo) {
  constexpr int kStats = 4000;
  ASSERT_TRUE(write_file(dir_ + "/f", "x"));
  std::vector<int> calls(kStats, 0);
  std::vector<Guard> guards;
  guards.reserve(kStats);
  for (int i = 0; i < kStats; ++i) {
    guards.push_back(aio_stat(dir_ + "/f", [&, i](Result<struct stat>) { ++calls[i]; }));
    if (i % 2 == 1) guards.back().reset();
  }
  ASSERT_TRUE(run_until(ae::testing::fs::requests_settled));
  for (int i = 0; i < kStats; ++i) {
    ASSERT_EQ(calls[i], i % 2 == 0 ? 1 : 0) << "request " << i;
  }
}

TEST_P(PoolTest, QueuedRequestIsDroppedWithoutRunning) {
  // Every worker blocks reading an empty pipe; a request queued behind those reads cannot be
  // taken by any worker until one of them is written to.
  std::size_t workers = Pool::instance().max_threads();
  std::vector<int> write_ends;
  std::vector<Guard> reads;
  std::size_t reads_done = 0;
  for (std::size_t i = 0; i < workers; ++i) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    write_ends.push_back(p[1]);
    reads.push_back(aio_read(File(p[0]), 1, [&](Result<std::string> d) {
      EXPECT_EQ(d.value_or("error"), "k");
      ++reads_done;
    }));
  }
  bool ran = false;
  Guard queued = aio_mkdir(dir_ + "/never", 0700, [&](std::error_code) { ran = true; });
  queued.reset();
  for (int fd : write_ends) {
    ASSERT_EQ(::write(fd, "k", 1), 1);
    ::close(fd);
  }
  ASSERT_TRUE(run_until([&] { return reads_done == workers; }));
  // Queued after the dropped request, so run after it would have run.
  auto later = ae::testing::fs::await<std::error_code>(
      [&](auto cb) { return aio_mkdir(dir_ + "/later", 0700, std::move(cb)); });
  EXPECT_FALSE(later);
  EXPECT_FALSE(ran);
  EXPECT_NE(::access((dir_ + "/never").c_str(), F_OK), 0) << "the dropped request ran";
}

TEST_P(PoolTest, RunningRequestCompletesAndItsResultIsDropped) {
  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  bool ran = false;
  Guard open = aio_open(fifo, O_RDONLY, 0, [&](Result<File>) { ran = true; });
  // A worker is inside open() once a non-blocking writer can open the FIFO (which also lets the
  // open return). The kernel has no event for it, so the test asks every millisecond, and
  // cancels in the same callback: the result cannot have been delivered yet.
  int writer = -1;
  Timer probe = timer(0.0, 0.001, [&] {
    if (writer >= 0) return;
    writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (writer >= 0) open.reset();  // running: it completes and its File is dropped
  });
  ASSERT_TRUE(run_until([&] { return writer >= 0; }));
  probe.reset();
  ASSERT_TRUE(run_until(ae::testing::fs::requests_settled));
  EXPECT_FALSE(ran);
  // The dropped File was closed: the FIFO has no reader left.
  EXPECT_EQ(::write(writer, "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
  ::close(writer);
}

INSTANTIATE_TEST_SUITE_P(Backends, PoolTest, ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

TEST(PoolThreadsTest, LoopsOnSeveralThreadsShareThePool) {
  ae::testing::ScopedEnv model("AE_IO_MODEL", "pool");
  std::string dir = ae::testing::fs::test_dir();
  ASSERT_TRUE(write_file(dir + "/f", "12345"));
  constexpr int kThreads = 4;
  constexpr int kStats = 1000;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      ae::testing::TestLoop loop("asio");
      std::thread::id me = std::this_thread::get_id();
      int done = 0;
      std::vector<Guard> guards;
      for (int i = 0; i < kStats; ++i) {
        guards.push_back(aio_stat(dir + "/f", [&](Result<struct stat> st) {
          if (!st || st->st_size != 5 || std::this_thread::get_id() != me) ++wrong;
          ++done;
        }));
      }
      if (!run_until([&] { return done == kStats; })) ++wrong;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
}

TEST(PoolLifetimeTest, LoopDestroyedWithRequestsInFlightDropsTheirCallbacks) {
  ae::testing::ScopedEnv model("AE_IO_MODEL", "pool");
  std::string dir = ae::testing::fs::test_dir();
  ASSERT_TRUE(write_file(dir + "/f", "x"));
  auto captured = std::make_shared<int>(0);
  std::vector<Guard> guards;
  {
    Loop loop;
    Loop::Scope scope(loop);
    for (int i = 0; i < 1000; ++i) {
      guards.push_back(aio_stat(dir + "/f", [captured](Result<struct stat>) { ++*captured; }));
    }
  }
  // The loop's destruction dropped every callback, on this thread, at once.
  EXPECT_EQ(captured.use_count(), 1);
  EXPECT_EQ(*captured, 0);
  guards.clear();  // guards that outlive their loop are harmless
}

}  // namespace
}  // namespace ae::fs
