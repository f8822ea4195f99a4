#include "debug/wrap.h"

#include <unistd.h>

#include <stdexcept>
#include <string>

#include "core/core.h"
#include "gtest/gtest.h"
#include "tests/debug/debug_test_util.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace {

using ae::debug::WatcherInfo;
using ae::testing::run_until;

class WrapTest : public ae::testing::LoopTest {
 protected:
  void SetUp() override { ae::debug::wrap(1); }
  void TearDown() override {
    ae::debug::wrap(0);
    ae::debug::trace(true);
  }

  // The recorded watcher made at `line` of this file.
  static std::optional<WatcherInfo> made_at(unsigned line) {
    for (WatcherInfo& w : ae::debug::watchers()) {
      if (w.line == line && w.file.ends_with("tests/debug/wrap_test.cc")) return w;
    }
    return std::nullopt;
  }

  ae::debug_test::DebugLines log_;
};

TEST_P(WrapTest, CreationSitesPointAtTheCallersOwnLine) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const unsigned io_line = __LINE__ + 1;
  ae::Io r = ae::io(fds[0], ae::kRead, [] {});
  const unsigned timer_line = __LINE__ + 1;
  ae::Timer t = ae::timer(0.5, 2.0, [] {});
  const unsigned member_line = __LINE__ + 1;
  ae::Timer m = loop().timer(std::chrono::milliseconds(250), [] {});
  const unsigned signal_line = __LINE__ + 1;
  ae::Signal s = ae::signal("USR1", [] {});
  const unsigned idle_line = __LINE__ + 1;
  ae::Idle i = ae::idle([] {});
  const unsigned periodic_line = __LINE__ + 1;
  ae::Periodic p = ae::periodic(3600, 86400, [] {});
  const unsigned prepare_line = __LINE__ + 1;
  ae::Prepare pr = ae::prepare([] {});
  const unsigned check_line = __LINE__ + 1;
  ae::Check ch = ae::check([] {});

  std::optional<WatcherInfo> w = made_at(io_line);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->type, ae::WatcherType::kIo);
  EXPECT_EQ(w->arguments, "fd=" + std::to_string(fds[0]) + " read");
  EXPECT_NE(w->function.find("CreationSitesPointAtTheCallersOwnLine"), std::string::npos)
      << w->function;
  ASSERT_TRUE(w = made_at(timer_line));
  EXPECT_EQ(w->arguments, "after=0.5 interval=2");
  ASSERT_TRUE(w = made_at(member_line));
  EXPECT_EQ(w->arguments, "after=0.25");
  ASSERT_TRUE(w = made_at(signal_line));
  EXPECT_EQ(w->arguments, "signal=USR1");
  ASSERT_TRUE(w = made_at(idle_line));
  EXPECT_EQ(w->type, ae::WatcherType::kIdle);
  ASSERT_TRUE(w = made_at(periodic_line));
  EXPECT_EQ(w->type, ae::WatcherType::kPeriodic);
  EXPECT_EQ(w->arguments, "offset=3600 interval=86400");
  ASSERT_TRUE(w = made_at(prepare_line));
  EXPECT_EQ(w->type, ae::WatcherType::kPrepare);
  ASSERT_TRUE(w = made_at(check_line));
  EXPECT_EQ(w->type, ae::WatcherType::kCheck);
  EXPECT_EQ(ae::watcher_type_name(ae::WatcherType::kPeriodic), "periodic");
  EXPECT_EQ(w->wrap_level, 1);
  EXPECT_TRUE(w->backtrace.empty());
  EXPECT_NE(w->created, 0);

  i.reset();
  EXPECT_FALSE(made_at(idle_line)) << "a destroyed watcher leaves the registry";
  ::close(fds[0]);
  r.reset();
  ::close(fds[1]);
}

TEST_P(WrapTest, RecordsInvocationsAndTheWatcherThatMadeIt) {
  ae::Timer child;
  int calls = 0;
  int child_calls = 0;
  const unsigned parent_line = __LINE__ + 1;
  ae::Timer parent = ae::timer(0, 0.001, [&] {
    if (++calls == 3) child = ae::timer(0, [&] { ++child_calls; });
  });
  ASSERT_TRUE(run_until([&] { return calls >= 3; }));
  parent.reset();
  std::optional<WatcherInfo> p = made_at(parent_line);
  EXPECT_FALSE(p) << "destroyed";
  std::vector<WatcherInfo> all = ae::debug::watchers("wrap_test.cc");
  ASSERT_EQ(all.size(), 1u);
  const WatcherInfo& c = all[0];
  EXPECT_NE(c.parent, 0u);
  EXPECT_LT(c.parent, c.id);
  // The loop iteration that ran the parent may already have run the child (uv can), so the
  // record is compared with what the child itself saw.
  EXPECT_EQ(c.invocations, static_cast<std::uint64_t>(child_calls));
  ASSERT_TRUE(run_until([&] { return !child.active(); }));
  EXPECT_EQ(child_calls, 1);
  EXPECT_EQ(ae::debug::watcher(c.id)->invocations, 1u);
  EXPECT_EQ(ae::debug::running_watcher(), 0u);
}

TEST_P(WrapTest, TracesCreateEnterLeaveDestroyOneLineEach) {
  int calls = 0;
  const unsigned line = __LINE__ + 1;
  ae::Timer t = ae::timer(0, [&] { ++calls; });
  std::uint64_t id = made_at(line)->id;
  ASSERT_TRUE(run_until([&] { return calls == 1; }));
  t.reset();
  std::string who =
      "#" + std::to_string(id) + " timer tests/debug/wrap_test.cc:" + std::to_string(line);
  EXPECT_EQ(log_.count("trace: create " + who + " after=0"), 1u);
  EXPECT_EQ(log_.count("trace: enter " + who), 1u);
  EXPECT_EQ(log_.count("trace: leave " + who), 1u);
  EXPECT_EQ(log_.count("trace: destroy " + who), 1u);
}

TEST_P(WrapTest, TracingSwitchesPerWatcherAndGlobally) {
  int a_calls = 0, b_calls = 0;
  ae::Timer a = ae::timer(0, 0.001, [&] { ++a_calls; });
  ae::Timer b = ae::timer(0, 0.001, [&] { ++b_calls; });
  std::vector<WatcherInfo> ws = ae::debug::watchers("wrap_test.cc");
  ASSERT_EQ(ws.size(), 2u);
  std::uint64_t a_id = ws[0].id, b_id = ws[1].id;
  ae::debug::trace(false);
  EXPECT_TRUE(ae::debug::trace(b_id, true));
  EXPECT_FALSE(ae::debug::trace(999999999, true));
  std::size_t before_a = log_.count("enter #" + std::to_string(a_id) + " ");
  ASSERT_TRUE(run_until([&] { return a_calls >= 2 && b_calls >= 2; }));
  EXPECT_EQ(log_.count("enter #" + std::to_string(a_id) + " "), before_a);
  EXPECT_GE(log_.count("enter #" + std::to_string(b_id) + " "), 2u);
  EXPECT_FALSE(ae::debug::watcher(a_id)->traced);
  EXPECT_TRUE(ae::debug::watcher(b_id)->traced);
}

TEST_P(WrapTest, WatcherDestroyedInsideItsOwnCallbackWhileTraced) {
  ae::Timer t;
  bool fired = false;
  const unsigned line = __LINE__ + 1;
  t = ae::timer(0, 0.001, [&] {
    fired = true;
    t.reset();
  });
  std::uint64_t id = made_at(line)->id;
  ASSERT_TRUE(run_until([&] { return fired; }));
  EXPECT_FALSE(ae::debug::watcher(id));
  std::string who = "#" + std::to_string(id) + " ";
  std::vector<std::string> lines = log_.lines();
  std::vector<std::string> mine;
  for (const std::string& l : lines) {
    if (l.find(who) != std::string::npos) mine.push_back(l.substr(0, l.find(who)));
  }
  std::vector<std::string> expected = {"trace: create ", "trace: enter ", "trace: destroy ",
                                       "trace: leave "};
  EXPECT_EQ(mine, expected);
}

TEST_P(WrapTest, AnExceptionIsLoggedKeptAndPropagatesAsCoreSays) {
  const unsigned line = __LINE__ + 1;
  ae::Timer t = ae::timer(0, 0.001, [] { throw std::runtime_error("boom"); });
  std::uint64_t id = made_at(line)->id;
  EXPECT_THROW(run_until([] { return false; }), std::runtime_error);
  std::optional<WatcherInfo> w = ae::debug::watcher(id);
  ASSERT_TRUE(w);
  ASSERT_EQ(w->errors.size(), 1u);
  EXPECT_EQ(w->errors[0], "boom");
  EXPECT_FALSE(w->running);
  EXPECT_EQ(log_.count("error: callback of #" + std::to_string(id) +
                       " timer tests/debug/wrap_test.cc:" + std::to_string(line) + " threw: boom"),
            1u);
  for (int i = 0; i < 12; ++i) EXPECT_THROW(run_until([] { return false; }), std::runtime_error);
  EXPECT_EQ(ae::debug::watcher(id)->errors.size(), 10u) << "the last ten are kept";
}

TEST_P(WrapTest, LevelTwoKeepsTheCreationBacktrace) {
  ae::debug::wrap(2);
  ae::Timer t = ae::timer(10, [] {});
  std::vector<WatcherInfo> ws = ae::debug::watchers("wrap_test.cc");
  ASSERT_EQ(ws.size(), 1u);
  EXPECT_EQ(ws[0].wrap_level, 2);
  EXPECT_FALSE(ws[0].backtrace.empty());
  EXPECT_NE(ws[0].verbose().find("backtrace:"), std::string::npos);
}

TEST_P(WrapTest, FilterMatchesSummariesWithWildcards) {
  ae::Timer a = ae::timer(10, [] {});
  ae::Timer b = ae::timer(20, 5, [] {});
  EXPECT_EQ(ae::debug::watchers("wrap_test.cc").size(), 2u);
  EXPECT_EQ(ae::debug::watchers("interval=5").size(), 1u);
  EXPECT_EQ(ae::debug::watchers("timer*after=10").size(), 1u);
  EXPECT_EQ(ae::debug::watchers("after=?0 ").size(), 2u);
  EXPECT_EQ(ae::debug::watchers("no such thing").size(), 0u);
}

TEST_P(WrapTest, WatchersMadeBeforeWrappingAreNotRecorded) {
  ae::debug::wrap(0);
  EXPECT_EQ(ae::debug_hooks(), nullptr) << "nothing installed while every feature is off";
  ae::Timer before = ae::timer(10, [] {});
  ae::debug::wrap(1);
  EXPECT_NE(ae::debug_hooks(), nullptr);
  ae::Timer after = ae::timer(10, [] {});
  EXPECT_EQ(ae::debug::watchers("wrap_test.cc").size(), 1u);
  before.reset();  // a destroy of an unrecorded watcher is ignored
  EXPECT_EQ(ae::debug::watchers("wrap_test.cc").size(), 1u);
}

TEST_P(WrapTest, RecordsGoWhenEveryFeatureGoesOff) {
  // With no hook installed, a watcher's destruction goes unseen: its record must not stay.
  ae::Timer t = ae::timer(10, [] {});
  ASSERT_EQ(ae::debug::watchers("wrap_test.cc").size(), 1u);
  ae::debug::wrap(0);
  t.reset();
  ae::debug::wrap(1);
  EXPECT_EQ(ae::debug::watchers("wrap_test.cc").size(), 0u);
}

TEST(WrapLevelTest, RefusesLevelsOutsideZeroToTwo) {
  EXPECT_THROW(ae::debug::wrap(3), std::invalid_argument);
  EXPECT_THROW(ae::debug::wrap(-1), std::invalid_argument);
  EXPECT_EQ(ae::debug::wrap_level(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, WrapTest, ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

}  // namespace
