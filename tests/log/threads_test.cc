// Logging from several threads at once while the configuration changes (run under tsan too).

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "log/log.h"
#include "tests/log/log_test_support.h"

namespace ae::log {
namespace {

using ae::log_test::LogTest;
using ae::log_test::read_file;
using ae::log_test::Recorder;
using ae::log_test::split_lines;
using ae::log_test::temp_path;

class ThreadsTest : public LogTest {};

constexpr int kThreads = 4;
constexpr int kMessages = 2000;

TEST_F(ThreadsTest, ConcurrentMessagesArriveWholeAndOnceWhileConfigurationChanges) {
  std::string path = temp_path("threads.log");
  Context file_ctx("file");
  ASSERT_TRUE(file_ctx.log_to_file(path));
  std::atomic<int> callback_calls{0};
  Context counter("counter");
  counter.log_cb([&](std::string_view, const Message&) {
    callback_calls.fetch_add(1, std::memory_order_relaxed);
    return false;
  });
  Context worker = ctx("mt::worker");
  worker.attach(file_ctx).attach(counter);

  std::atomic<bool> done{false};
  std::thread reconfigure([&] {
    Context other = ctx("mt::other");
    Context spare("spare");
    int round = 0;
    while (!done.load()) {
      ++round;
      filter_context().level(round % 2 == 0 ? Level("error") : Level("warn"));
      other.attach(spare);
      other.detach(spare);
      other.title("other " + std::to_string(round));
      ctx("mt::dynamic::" + std::to_string(round % 50)).level(round % 9 + 1);
      counter.title(round % 2 == 0 ? "counter" : "counting");
      (void)reopen_files();
      std::this_thread::yield();
    }
  });

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Logger info = worker.logger("info");
      Logger debug = ctx("mt::worker::quiet").logger("debug");
      ctx("mt::worker::quiet").level("info");
      for (int i = 0; i < kMessages; ++i) {
        AE_LOG(info, "thread %d message %d", t, i);
        AE_LOG(debug, "never %d", i);  // filtered by mt::worker::quiet
      }
    });
  }
  for (auto& th : threads) th.join();
  done.store(true);
  reconfigure.join();

  std::vector<std::string> lines = split_lines(read_file(path));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kMessages));
  std::set<std::string> unique;
  for (const std::string& line : lines) {
    std::size_t at = line.find(" info  mt::worker: thread ");
    ASSERT_NE(at, std::string::npos) << line;
    unique.insert(line.substr(at));
  }
  EXPECT_EQ(unique.size(), lines.size()) << "no message twice";
  EXPECT_EQ(callback_calls.load(), kThreads * kMessages);
}

TEST_F(ThreadsTest, ContextsMadeAndDroppedConcurrently) {
  Recorder rec;
  Context sink("sink");
  sink.log_cb(rec.callback());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        Context temp("temp " + std::to_string(t));
        temp.attach(sink);
        temp.log("info", "from a short-lived context");
        Logger l =
            ctx("mt::made::" + std::to_string(t) + "::" + std::to_string(i % 10)).logger("trace");
        (void)l.enabled();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(rec.size(), static_cast<std::size_t>(kThreads * 300));
}

}  // namespace
}  // namespace ae::log
