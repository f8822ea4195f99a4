// configure(): AnyEvent::Log's specification language, valid and malformed.

#include "log/config.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/internal/spec.h"
#include "log/log.h"
#include "tests/log/log_test_support.h"

namespace ae::log {
namespace {

using ae::log_test::LogTest;
using ae::log_test::read_file;
using ae::log_test::Recorder;
using ae::log_test::split_lines;
using ae::log_test::StderrCapture;
using ae::log_test::temp_path;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ConfigTest : public LogTest {};

TEST_F(ConfigTest, FilterLevelByNameOrNumber) {
  ASSERT_TRUE(configure("filter=warn"));
  EXPECT_EQ(filter_context().level_mask(), 0b111110);
  ASSERT_TRUE(configure("filter=7"));
  EXPECT_EQ(filter_context().level_mask(), 0b11111110);
  ASSERT_TRUE(configure("filter=off"));
  EXPECT_EQ(filter_context().level_mask(), 0);
  ASSERT_TRUE(configure("filter=all"));
  EXPECT_EQ(filter_context().level_mask(), 0x3FE);
  ASSERT_TRUE(configure("filter=0"));
  EXPECT_EQ(filter_context().level_mask(), 0);
}

TEST_F(ConfigTest, OnlyExceptAndLevelModes) {
  ASSERT_TRUE(configure("cfg::a=only,debug,2"));
  EXPECT_EQ(ctx("cfg::a").level_mask(), (1 << 8) | (1 << 2));
  ASSERT_TRUE(configure("cfg::a=except,fatal,trace"));
  EXPECT_EQ(ctx("cfg::a").level_mask(), 0x3FE & ~((1 << 1) | (1 << 9)));
  ASSERT_TRUE(configure("cfg::a=only,info,level,warn"));
  EXPECT_EQ(ctx("cfg::a").level_mask(), 0b111110) << "'level' resets to all, then warn";
}

TEST_F(ConfigTest, ReturnsTheNumberOfSpecsAndAcceptsColonsAndWhitespace) {
  ae::Result<std::size_t> r = configure("  filter=warn:cfg::b=debug \n cfg::c=info\t");
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(*r, 3u);
  EXPECT_EQ(ctx("cfg::b").level_mask(), 0x1FE);
  EXPECT_EQ(ctx("cfg::c").level_mask(), 0xFE);
  EXPECT_EQ(*configure(""), 0u);
  EXPECT_EQ(*configure(" \n "), 0u);
}

TEST_F(ConfigTest, LogToFileInsteadOfStderr) {
  std::string path = temp_path("spec-file.log");
  ASSERT_TRUE(configure("log=file=" + path));
  StderrCapture err;
  ctx("cfg::file").log("error", "to the file");
  EXPECT_EQ(err.text(), "");
  std::vector<std::string> lines = split_lines(read_file(path));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(" error cfg::file: to the file"));
}

TEST_F(ConfigTest, AnonymousContextsAttachAnExtraTarget) {
  // "log to file in addition to stderr", from AnyEvent::Log's manual.
  std::string path = temp_path("extra.log");
  ASSERT_TRUE(configure("log=+%file:%file=file=" + path));
  StderrCapture err;
  ctx("cfg::extra").log("error", "both");
  EXPECT_THAT(err.text(), HasSubstr("cfg::extra: both"));
  EXPECT_THAT(read_file(path), HasSubstr("cfg::extra: both"));
}

TEST_F(ConfigTest, ManualExampleDebugToStderrWarningsToFile) {
  std::string path = temp_path("warnings.log");
  ASSERT_TRUE(configure("filter=debug:log=+%warnings:%warnings=warn,file=" + path));
  StderrCapture err;
  Context c = ctx("cfg::manual");
  c.log("debug", "debug message");
  c.log("warn", "warn message");
  EXPECT_THAT(err.text(), HasSubstr("debug message"));
  EXPECT_THAT(err.text(), HasSubstr("warn message"));
  std::string file = read_file(path);
  EXPECT_THAT(file, HasSubstr("warn message"));
  EXPECT_EQ(file.find("debug message"), std::string::npos);
}

TEST_F(ConfigTest, DetachAllAndAttachByName) {
  std::string path = temp_path("module.log");
  // "log messages from My::Module to a file, do not send them to the default log collector"
  ASSERT_TRUE(configure("cfg::module=+,file=" + path));
  EXPECT_TRUE(ctx("cfg::module").slaves().empty());
  StderrCapture err;
  ctx("cfg::module").log("error", "only in the file");
  EXPECT_EQ(err.text(), "");
  EXPECT_THAT(read_file(path), HasSubstr("only in the file"));

  ASSERT_TRUE(configure("cfg::module=+log"));
  EXPECT_THAT(ctx("cfg::module").slaves(), ElementsAre(log_context()));
  ASSERT_TRUE(configure("cfg::other=+,+cfg::module::"));
  EXPECT_THAT(ctx("cfg::other").slaves(), ElementsAre(ctx("cfg::module")));
}

TEST_F(ConfigTest, TrailingColonsForceTheNameReading) {
  ASSERT_TRUE(configure("log::=debug"));
  EXPECT_EQ(ctx("log").level_mask(), 0x1FE);
  EXPECT_EQ(log_context().level_mask(), 0x3FE) << "the built-in log context is untouched";
}

TEST_F(ConfigTest, CapAndNolog) {
  Recorder rec;
  ctx("cfg::capped").log_cb(rec.callback(true));
  ASSERT_TRUE(configure("cfg::capped=cap=error"));
  ctx("cfg::capped").log("fatal", "capped");
  EXPECT_EQ(rec.records().at(0).level, 4);
  ASSERT_TRUE(configure("cfg::capped=nolog,cap=off"));
  StderrCapture err;
  ctx("cfg::capped").log("alert", "through to stderr");
  EXPECT_THAT(err.text(), HasSubstr(" alert cfg::capped: through to stderr"));
  EXPECT_EQ(rec.size(), 1u);
}

TEST_F(ConfigTest, StderrDirective) {
  ASSERT_TRUE(configure("cfg::loud=stderr,+"));
  StderrCapture err;
  ctx("cfg::loud").log("trace", "straight to stderr");
  EXPECT_THAT(err.text(), HasSubstr(" trace cfg::loud: straight to stderr"));
}

TEST_F(ConfigTest, BackslashEscapesSeparators) {
  std::string dir = temp_path("esc");
  std::string path = dir + " a:b,c.log";
  ASSERT_TRUE(configure("log=file=" + dir + "\\ a\\:b\\,c.log"));
  ctx("cfg::escaped").log("error", "escaped path");
  EXPECT_THAT(read_file(path), HasSubstr("escaped path"));
}

TEST_F(ConfigTest, MalformedSpecsNameTheBadPartAndChangeNothing) {
  struct Case {
    const char* spec;
    const char* part;
  };
  const Case cases[] = {
      {"filter=loud", "'loud' (unknown directive)"},
      {"filter=warn,,info", "',info'"},
      {"filter", "'filter'"},
      {"=warn", "'=warn'"},
      {"filter=warn log", "'log'"},
      {"filter=cap=loud", "'cap=loud'"},
      {"log=syslog=local9", "'syslog=local9' (unknown syslog facility 'local9')"},
      {"filter=none", "'none'"},
      {"filter=10", "'10'"},
      {"filter=file=", "'file='"},
      {"filter=WARN", "'WARN'"},
  };
  for (const Case& c : cases) {
    filter_context().level("info");
    ae::Result<std::size_t> r = configure(c.spec);
    ASSERT_FALSE(r) << c.spec;
    EXPECT_EQ(r.code(), Error::kParseError) << c.spec;
    EXPECT_THAT(r.message(), HasSubstr("parse error at " + std::string(c.part))) << c.spec;
    EXPECT_EQ(filter_context().level_mask(), 0xFE) << c.spec << ": nothing applied";
  }
}

TEST_F(ConfigTest, AnErrorLateInTheSpecAppliesNothingEarlier) {
  ae::Result<std::size_t> r = configure("filter=trace:cfg::early=off:cfg::late=bogus");
  ASSERT_FALSE(r);
  EXPECT_EQ(filter_context().level_mask(), 0b11110);
  EXPECT_EQ(ctx("cfg::early").level_mask(), 0x3FE);
}

TEST_F(ConfigTest, AFileThatCannotBeOpenedAppliesNothing) {
  ae::Result<std::size_t> r = configure("filter=trace:log=file=" + temp_path("nodir") + "/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), std::errc::no_such_file_or_directory);
  EXPECT_THAT(r.message(), HasSubstr("cannot open log file"));
  EXPECT_EQ(filter_context().level_mask(), 0b11110);
}

TEST_F(ConfigTest, TrailingCommaAndEmptyDirectiveListAreAccepted) {
  ASSERT_TRUE(configure("filter=warn,"));
  EXPECT_EQ(filter_context().level_mask(), 0b111110);
  ASSERT_TRUE(configure("cfg::empty="));
}

TEST_F(ConfigTest, HugeAndDeepSpecsAreHandled) {
  std::string deep = "cfg";
  for (int i = 0; i < 5000; ++i) deep += "::x";
  ASSERT_TRUE(configure(deep + "=debug"));
  EXPECT_EQ(ctx(deep).level_mask(), 0x1FE);
  std::string garbage(1 << 20, ',');
  ae::Result<std::size_t> r = configure("filter=" + garbage);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Error::kParseError);
  EXPECT_LT(r.message().size(), 200u) << "the quoted part is shortened";
}

TEST_F(ConfigTest, ParserResolvesContextKinds) {
  auto parsed = ae::log_internal::parse_spec("collect=+%x:filter=1:log=2:%x=3:a::b=4:c::=5");
  ASSERT_TRUE(parsed) << parsed.message();
  using Kind = ae::log_internal::SpecContext::Kind;
  ASSERT_EQ(parsed->size(), 6u);
  EXPECT_EQ((*parsed)[0].context.kind, Kind::kCollect);
  EXPECT_EQ((*parsed)[0].ops.at(0).context.kind, Kind::kAnonymous);
  EXPECT_EQ((*parsed)[1].context.kind, Kind::kFilter);
  EXPECT_EQ((*parsed)[2].context.kind, Kind::kLog);
  EXPECT_EQ((*parsed)[3].context.name, "%x");
  EXPECT_EQ((*parsed)[4].context.name, "a::b");
  EXPECT_EQ((*parsed)[5].context.name, "c");
}

}  // namespace
}  // namespace ae::log
