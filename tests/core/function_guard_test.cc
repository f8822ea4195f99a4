#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/function.h"
#include "core/guard.h"
#include "core/log_hook.h"
#include "core/result.h"

namespace ae {
namespace {

TEST(FunctionTest, HoldsMoveOnlyCallables) {
  auto p = std::make_unique<int>(41);
  Function<int(int)> f = [p = std::move(p)](int d) { return *p + d; };
  EXPECT_EQ(f(1), 42);
  Function<int(int)> g = std::move(f);
  EXPECT_FALSE(f);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(g(2), 43);
}

TEST(FunctionTest, LargeCallablesGoToTheHeapAndStillWork) {
  std::string a(100, 'a'), b(100, 'b');
  Function<std::size_t()> f = [a, b] { return a.size() + b.size(); };
  Function<std::size_t()> g;
  g = std::move(f);
  EXPECT_EQ(g(), 200u);
}

TEST(FunctionTest, EmptyCallThrows) {
  Function<void()> f;
  EXPECT_THROW(f(), std::bad_function_call);
  void (*null)() = nullptr;
  Function<void()> g = null;
  EXPECT_FALSE(g);
}

TEST(GuardTest, RunsOnScopeExitUnlessDismissed) {
  int runs = 0;
  {
    Guard g([&] { ++runs; });
  }
  EXPECT_EQ(runs, 1);
  {
    Guard g([&] { ++runs; });
    g.dismiss();
  }
  EXPECT_EQ(runs, 1);
  Guard a([&] { ++runs; });
  Guard b = std::move(a);
  a = Guard();
  EXPECT_EQ(runs, 1) << "moving does not run it";
  b.reset();
  EXPECT_EQ(runs, 2);
}

// Collects what core logs while it lives.
class CapturedLog {
 public:
  CapturedLog() {
    lines_ = &lines;
    set_log_sink(&kSink);
  }
  ~CapturedLog() {
    set_log_sink(nullptr);
    lines_ = nullptr;
  }
  std::vector<std::string> lines;

 private:
  static inline std::vector<std::string>* lines_ = nullptr;
  static constexpr LogSink kSink{
      [](LogLevel, std::string_view) { return true; },
      [](LogLevel, std::string_view, std::string_view message) { lines_->emplace_back(message); }};
};

TEST(GuardTest, AThrowingFunctionIsLoggedAndSwallowed) {
  CapturedLog log;
  int after = 0;
  {
    Guard g([] { throw std::runtime_error("cleanup failed"); });
  }  // as AnyEvent's guard: reported, and the program goes on
  Guard a([] { throw 42; });
  a.reset();
  Guard b([] { throw std::runtime_error("replaced"); });
  b = Guard([&] { ++after; });
  b.reset();
  EXPECT_EQ(after, 1);
  ASSERT_EQ(log.lines.size(), 3u);
  EXPECT_NE(log.lines[0].find("cleanup failed"), std::string::npos) << log.lines[0];
  EXPECT_NE(log.lines[1].find("unknown exception"), std::string::npos) << log.lines[1];
  EXPECT_NE(log.lines[2].find("replaced"), std::string::npos) << log.lines[2];
}

TEST(ResultTest, HoldsAValueOrAnError) {
  Result<int> ok = 3;
  EXPECT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  Result<int> bad(std::make_error_code(std::errc::timed_out), "took too long");
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.code(), std::errc::timed_out);
  EXPECT_EQ(bad.message(), "took too long");
  EXPECT_EQ(bad.value_or(7), 7);
  EXPECT_THROW(bad.value(), std::system_error);
}

}  // namespace
}  // namespace ae
