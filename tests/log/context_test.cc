#include "log/context.h"

#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/log.h"
#include "tests/log/log_test_support.h"

namespace ae::log {
namespace {

using ae::log_test::LogTest;
using ae::log_test::Recorder;
using ae::log_test::StderrCapture;
using ::testing::ElementsAre;

class ContextTest : public LogTest {};

// A context with a recording target and nothing else.
Context recording(const Recorder& rec, bool consume = false) {
  Context c("recorder");
  c.log_cb(rec.callback(consume));
  return c;
}

TEST_F(ContextTest, DefaultGraphSendsErrorsAndAboveToStderrOnly) {
  StderrCapture err;
  Context c = ctx("ctxtest::defaults");
  EXPECT_TRUE(c.log("error", "an error"));
  EXPECT_TRUE(c.log("critical", "a critical"));
  EXPECT_FALSE(c.log("warn", "a warning"));
  EXPECT_FALSE(c.log("debug", "a debug"));
  std::vector<std::string> lines = ae::log_test::split_lines(err.text());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" error ctxtest::defaults: an error"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" crit  ctxtest::defaults: a critical"), std::string::npos) << lines[1];
}

TEST_F(ContextTest, NamedContextsChainToTheirParentsThenCollect) {
  Context c = ctx("ctxtest::a::b");
  std::vector<Context> slaves = c.slaves();
  ASSERT_EQ(slaves.size(), 1u);
  EXPECT_EQ(slaves[0], ctx("ctxtest::a"));
  EXPECT_EQ(ctx("ctxtest::a").slaves().at(0), ctx("ctxtest"));
  EXPECT_EQ(ctx("ctxtest").slaves().at(0), collect_context());
  EXPECT_EQ(collect_context().slaves().at(0), filter_context());
  EXPECT_EQ(filter_context().slaves().at(0), log_context());
  EXPECT_TRUE(log_context().slaves().empty());
  EXPECT_EQ(c.title(), "ctxtest::a::b");
  EXPECT_EQ(ctx("ctxtest::a::b"), c) << "a name names one context";
}

TEST_F(ContextTest, MessagesReachAParentsTarget) {
  Recorder rec;
  ctx("ctxtest::parent").log_cb(rec.callback());
  EXPECT_TRUE(ctx("ctxtest::parent::child").log("trace", "from the child"));
  auto records = rec.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].context, "ctxtest::parent::child") << "the origin's title is reported";
  EXPECT_EQ(records[0].level, 9);
  EXPECT_EQ(records[0].text, "from the child");
}

TEST_F(ContextTest, LevelLetsThatLevelAndMoreImportantOnesPass) {
  Recorder rec;
  Context c = recording(rec);
  c.level("warn");
  for (int n = 1; n <= 9; ++n) c.log(n, "level " + std::to_string(n));
  EXPECT_THAT(rec.texts(), ElementsAre("level 1", "level 2", "level 3", "level 4", "level 5"));
  EXPECT_EQ(c.level_mask(), 0b111110);
  c.level(Level::off());
  EXPECT_EQ(c.level_mask(), 0);
  c.level(Level::all());
  EXPECT_EQ(c.level_mask(), 0x3FE);
}

TEST_F(ContextTest, LevelsEnableAndDisableEditTheSet) {
  Context c;
  c.levels({"debug", 2});
  EXPECT_EQ(c.level_mask(), (1 << 8) | (1 << 2));
  c.enable({ae::LogLevel::kTrace});
  EXPECT_EQ(c.level_mask(), (1 << 9) | (1 << 8) | (1 << 2));
  c.disable({"debug"});
  EXPECT_EQ(c.level_mask(), (1 << 9) | (1 << 2));
  c.disable({Level::all()});
  EXPECT_EQ(c.level_mask(), 0);
  c.levels({Level::all()});
  EXPECT_EQ(c.level_mask(), 0x3FE);
  EXPECT_THROW(c.levels({Level::off()}), std::invalid_argument);
  EXPECT_THROW(c.enable({0}), std::invalid_argument);
}

TEST_F(ContextTest, AFilteredContextStopsTheMessageForItsSlavesToo) {
  Recorder rec;
  Context target = recording(rec);
  Context gate("gate");
  gate.level("error").attach(target);
  EXPECT_FALSE(gate.log("warn", "stopped"));
  EXPECT_TRUE(gate.log("error", "passed"));
  EXPECT_THAT(rec.texts(), ElementsAre("passed"));
}

TEST_F(ContextTest, TwoPathsToOneContextLogOnce) {
  Recorder rec;
  Context sink = recording(rec);
  Context left("left"), right("right"), top("top");
  left.attach(sink);
  right.attach(sink);
  top.attach(left).attach(right);
  EXPECT_TRUE(top.log("info", "diamond"));
  EXPECT_EQ(rec.size(), 1u);
}

TEST_F(ContextTest, CyclesAreHarmless) {
  Recorder rec;
  Context a("a"), b("b");
  a.attach(b);
  b.attach(a);
  b.log_cb(rec.callback());
  EXPECT_TRUE(a.log("info", "round and round"));
  EXPECT_EQ(rec.size(), 1u);
  b.detach(a);  // break the cycle so both contexts can be freed
}

TEST_F(ContextTest, AttachingTwiceAddsOneSlave) {
  Context a, b;
  a.attach(b).attach(b);
  EXPECT_EQ(a.slaves().size(), 1u);
  a.detach(b).detach(b);
  EXPECT_TRUE(a.slaves().empty());
}

TEST_F(ContextTest, AConsumingTargetStopsPropagation) {
  Recorder first, second;
  Context after = recording(second);
  Context c = recording(first, /*consume=*/true);
  c.attach(after);
  EXPECT_TRUE(c.log("info", "eaten"));
  EXPECT_EQ(first.size(), 1u);
  EXPECT_EQ(second.size(), 0u);

  Context passing = recording(first, /*consume=*/false);
  passing.attach(after);
  passing.log("info", "passed on");
  EXPECT_EQ(second.size(), 1u);
}

TEST_F(ContextTest, SlavesReplacesAllSlaves) {
  Recorder rec;
  Context a, b, c = recording(rec);
  a.attach(b);
  a.slaves({c});
  EXPECT_THAT(a.slaves(), ElementsAre(c));
  a.log("info", "to c");
  EXPECT_EQ(rec.size(), 1u);
  a.slaves({});
  EXPECT_TRUE(a.slaves().empty());
}

TEST_F(ContextTest, CapLowersThePriorityTargetsSeeButNotFiltering) {
  Recorder rec;
  Context target = recording(rec);
  target.level("error");  // filters by the original level
  Context capper("capper");
  capper.cap("error").attach(target);
  capper.log("alert", "alert capped to error");
  capper.log("warn", "warn is below the cap and filtered");
  auto records = rec.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].level, 4);
  capper.cap(Level::off());
  capper.log("alert", "not capped");
  EXPECT_EQ(rec.records().at(1).level, 2);
}

TEST_F(ContextTest, CapAppliesOnlyBelowTheCappingContext) {
  Recorder capped_rec, plain_rec;
  Context capped = recording(capped_rec);
  Context plain = recording(plain_rec);
  Context capper("capper");
  capper.cap("warn").attach(capped);
  Context top("top");
  top.attach(capper).attach(plain);
  top.log("fatal", "one message");
  EXPECT_EQ(capped_rec.records().at(0).level, 5);
  EXPECT_EQ(plain_rec.records().at(0).level, 1) << "the level is restored after the capped branch";
}

TEST_F(ContextTest, DefaultFormatHasTimeLevelTitleAndContinuationLines) {
  Recorder rec;
  Context c = recording(rec);
  c.title("fmt::test");
  c.log("warn", "first\nsecond\n");
  std::string f = rec.records().at(0).formatted;
  std::vector<std::string> lines = ae::log_test::split_lines(f);
  ASSERT_EQ(lines.size(), 2u) << f;
  // "YYYY-MM-DD HH:MM:SS.uuuuuu +zzzz warn  fmt::test: first"
  ASSERT_GT(lines[0].size(), 33u);
  std::string time = lines[0].substr(0, 32);
  EXPECT_EQ(time[4], '-');
  EXPECT_EQ(time[10], ' ');
  EXPECT_EQ(time[19], '.');
  EXPECT_EQ(lines[0].substr(32), " warn  fmt::test: first");
  EXPECT_EQ(lines[1], time + " + second");
  EXPECT_EQ(rec.records().at(0).text, "first\nsecond") << "one trailing newline is removed";
}

TEST_F(ContextTest, FormatTimeIsLocalTimeWithMicroseconds) {
  std::string t = format_time(86400.25);
  // The day after the epoch, in whatever zone the test runs in.
  EXPECT_EQ(t.size(), 32u) << t;
  EXPECT_EQ(t.substr(19, 8), ".250000 ");
  EXPECT_TRUE(t[27] == '+' || t[27] == '-') << t;
}

TEST_F(ContextTest, FmtCbReplacesTheFormatForThatContextOnly) {
  Recorder rec, other;
  Context c = recording(rec);
  c.fmt_cb([](const Message& m) {
    return "<" + std::to_string(m.level.number()) + ">" + std::string(m.text) + "\n";
  });
  Context d = recording(other);
  c.attach(d);
  c.log("note", "hello");
  EXPECT_EQ(rec.records().at(0).formatted, "<6>hello\n");
  EXPECT_NE(other.records().at(0).formatted.find(" note  recorder: hello"), std::string::npos);
  c.fmt_cb(nullptr);
  c.log("note", "again");
  EXPECT_NE(rec.records().at(1).formatted.find(" note  recorder: again"), std::string::npos);
}

TEST_F(ContextTest, SetDefaultFormatChangesEveryContextWithoutItsOwn) {
  Recorder rec;
  Context c = recording(rec);
  set_default_format([](const Message& m) { return "[" + std::string(m.context) + "]"; });
  c.log("info", "x");
  EXPECT_EQ(rec.records().at(0).formatted, "[recorder]");
  set_default_format(nullptr);
  c.log("info", "y");
  EXPECT_NE(rec.records().at(1).formatted.find("info  recorder: y"), std::string::npos);
}

TEST_F(ContextTest, LoggerFollowsConfigurationChanges) {
  Recorder rec;
  Context c = recording(rec);
  Logger debug = c.logger("debug");
  EXPECT_TRUE(debug.enabled());
  c.level("info");
  EXPECT_FALSE(debug.enabled());
  EXPECT_FALSE(debug("not logged %d", 1));
  c.enable({"debug"});
  EXPECT_TRUE(static_cast<bool>(debug));
  EXPECT_TRUE(debug("logged %d", 2));
  EXPECT_THAT(rec.texts(), ElementsAre("logged 2"));
}

TEST_F(ContextTest, EnabledIsFalseWhenNoTargetIsReachable) {
  Context lonely;  // anonymous, no slaves, no target
  EXPECT_FALSE(lonely.enabled("error"));
  EXPECT_FALSE(lonely.log("error", "nowhere"));
  Recorder rec;
  Context t = recording(rec);
  lonely.attach(t);
  EXPECT_TRUE(lonely.enabled("error"));
  t.level("warn");
  EXPECT_FALSE(lonely.enabled("info"));
  EXPECT_TRUE(lonely.enabled("warn"));
  lonely.detach(t);
  EXPECT_FALSE(lonely.enabled("error"));
}

TEST_F(ContextTest, DisabledCallsEvaluateNothing) {
  Context c = ctx("ctxtest::quiet");
  c.level(Level::off());
  int evaluated = 0;
  auto expensive = [&] {
    ++evaluated;
    return 42;
  };
  AE_LOG_CTX(c, "info", "value %d", expensive());
  AE_LOG(c.logger("info"), "value %d", expensive());
  AE_LOG(c.logger("info"), [&] { return std::to_string(expensive()); });
  c.log("info", [&] { return std::to_string(expensive()); });
  EXPECT_EQ(evaluated, 0);

  Recorder rec;
  c.level(Level::all()).log_cb(rec.callback());
  AE_LOG_CTX(c, "info", "value %d", expensive());
  AE_LOG(c.logger(7), [&] { return std::to_string(expensive()); });
  EXPECT_EQ(evaluated, 2);
  EXPECT_THAT(rec.texts(), ElementsAre("value 42", "42"));
}

TEST_F(ContextTest, MainContextTakesLevelOnlyCalls) {
  Recorder rec;
  ctx("main").log_cb(rec.callback(/*consume=*/true));
  AE_LOG("info", "%s and %d", "text", 7);
  AE_LOG(ae::LogLevel::kDebug, "debug %s", "too");
  EXPECT_TRUE(ae::log::log(3, "plain 100%"));
  EXPECT_TRUE(ae::log::logf("note", "n=%02d", 5));
  Logger l = ae::log::logger("trace");
  EXPECT_TRUE(l.log("via logger"));
  EXPECT_THAT(rec.texts(),
              ElementsAre("text and 7", "debug too", "plain 100%", "n=05", "via logger"));
  EXPECT_EQ(rec.records().at(0).context, "main");
}

TEST_F(ContextTest, ErrnoIsPreserved) {
  Recorder rec;
  Context c = recording(rec);
  c.log_cb([](std::string_view, const Message&) {
    errno = EBADF;  // a target that clobbers errno
    return false;
  });
  errno = ENOENT;
  c.logf("info", "errno was %m");
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(ContextTest, PercentMFormatsTheCallersErrno) {
  Recorder rec;
  Context c = recording(rec);
  errno = ENOENT;
  c.logf("info", "open: %m");
  EXPECT_EQ(rec.texts().at(0), "open: No such file or directory");
}

TEST_F(ContextTest, LongMessagesAreFormattedWhole) {
  Recorder rec;
  Context c = recording(rec);
  std::string big(100000, 'x');
  c.logf("info", "<%s>", big.c_str());
  EXPECT_EQ(rec.texts().at(0).size(), big.size() + 2);
}

TEST_F(ContextTest, FatalCallsTheFatalExitEvenWhenNothingLogsIt) {
  int exits = 0;
  set_fatal_exit([&] { ++exits; });
  Context lonely;
  EXPECT_TRUE(lonely.enabled("fatal")) << "fatal always takes the slow path";
  EXPECT_FALSE(lonely.log("fatal", "nobody listens"));
  EXPECT_EQ(exits, 1);
  Recorder rec;
  lonely.log_cb(rec.callback());
  EXPECT_TRUE(lonely.log("fatal", "heard"));
  EXPECT_EQ(exits, 2);
}

TEST_F(ContextTest, DefaultFatalExitEndsTheProcessWithStatusOne) {
  EXPECT_EXIT(
      {
        set_fatal_exit(nullptr);
        StderrCapture quiet;
        ctx("ctxtest::fatal").log("fatal", "the end");
      },
      ::testing::ExitedWithCode(1), "");
}

TEST_F(ContextTest, OffAndAllAreNotMessageLevels) {
  Context c;
  EXPECT_THROW(c.log(Level::off(), "x"), std::invalid_argument);
  EXPECT_THROW(c.logf(Level::all(), "x"), std::invalid_argument);
  EXPECT_THROW(ae::log::log(0, "x"), std::invalid_argument);
  EXPECT_THROW(c.log(Level::all(), [] { return "x"; }), std::invalid_argument);
  Recorder rec;
  AE_LOG_CTX(recording(rec), "info", "through a temporary %s", "context");
  EXPECT_EQ(rec.size(), 1u);
  EXPECT_FALSE(c.logger(Level::off()).enabled());
  EXPECT_FALSE(Logger().enabled());
  EXPECT_FALSE(Logger()("never"));
}

TEST_F(ContextTest, ATargetMayLogAndReconfigure) {
  Recorder rec;
  Context inner = recording(rec);
  Context outer("outer");
  outer.log_cb([&](std::string_view, const Message& m) {
    inner.log("info", "nested: " + std::string(m.text));
    outer.title("renamed");
    return false;
  });
  EXPECT_TRUE(outer.log("info", "hello"));
  EXPECT_THAT(rec.texts(), ElementsAre("nested: hello"));
  EXPECT_EQ(outer.title(), "renamed");
  outer.nolog();
}

TEST_F(ContextTest, ResetRestoresDefaultsButKeepsHandles) {
  Recorder rec;
  Context c = ctx("ctxtest::reset");
  c.level("fatal").log_cb(rec.callback()).title("other").slaves({});
  filter_context().level("trace");
  reset();
  EXPECT_EQ(c.title(), "ctxtest::reset");
  EXPECT_EQ(c.level_mask(), 0x3FE);
  EXPECT_THAT(c.slaves(), ElementsAre(ctx("ctxtest")));
  EXPECT_EQ(filter_context().level_mask(), 0b11110) << "back to AE_VERBOSE's level (error)";
  c.log("error", "no target of its own any more");
  EXPECT_EQ(rec.size(), 0u);
}

}  // namespace
}  // namespace ae::log
