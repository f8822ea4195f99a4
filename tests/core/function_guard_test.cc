#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/function.h"
#include "core/guard.h"
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
