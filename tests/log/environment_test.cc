// AE_VERBOSE and AE_LOG: in-process through configure_from_environment(), and at start-up of a
// real program (env_probe) for valid and malformed values.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/log.h"
#include "tests/log/log_test_support.h"

namespace ae::log {
namespace {

using ae::log_test::LogTest;
using ae::log_test::read_file;
using ae::log_test::StderrCapture;
using ae::log_test::temp_path;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kVariables[] = {"AE_VERBOSE", "AE_LOG", "PERL_ANYEVENT_VERBOSE",
                                      "PERL_ANYEVENT_LOG"};

class EnvironmentTest : public LogTest {
 protected:
  void SetUp() override {
    for (const char* v : kVariables) ::unsetenv(v);
    LogTest::SetUp();
  }
  void TearDown() override {
    for (const char* v : kVariables) ::unsetenv(v);
    configure_from_environment();  // back to verbosity 4 for the tests after this one
    LogTest::TearDown();
  }
};

TEST_F(EnvironmentTest, VerboseSetsTheFilterLevelByNumberOrName) {
  ::setenv("AE_VERBOSE", "5", 1);
  EXPECT_TRUE(configure_from_environment());
  EXPECT_EQ(filter_context().level_mask(), 0b111110);
  ::setenv("AE_VERBOSE", "debug", 1);
  EXPECT_TRUE(configure_from_environment());
  EXPECT_EQ(filter_context().level_mask(), 0x1FE);
  ::setenv("AE_VERBOSE", "0", 1);
  EXPECT_TRUE(configure_from_environment());
  EXPECT_EQ(filter_context().level_mask(), 0);
  ::setenv("AE_VERBOSE", "", 1);
  EXPECT_TRUE(configure_from_environment());
  EXPECT_EQ(filter_context().level_mask(), 0b11110) << "empty means the default, 4";
}

TEST_F(EnvironmentTest, ResetKeepsTheVerbosityFromTheEnvironment) {
  ::setenv("AE_VERBOSE", "7", 1);
  ASSERT_TRUE(configure_from_environment());
  filter_context().level("fatal");
  reset();
  EXPECT_EQ(filter_context().level_mask(), 0xFE);
}

TEST_F(EnvironmentTest, PerlAnyEventVariablesTakePrecedence) {
  ::setenv("AE_VERBOSE", "9", 1);
  ::setenv("PERL_ANYEVENT_VERBOSE", "6", 1);
  ASSERT_TRUE(configure_from_environment());
  EXPECT_EQ(filter_context().level_mask(), 0x7E);
  // An empty PERL_ANYEVENT_ variable hides its AE_ twin.
  ::setenv("PERL_ANYEVENT_VERBOSE", "", 1);
  ASSERT_TRUE(configure_from_environment());
  EXPECT_EQ(filter_context().level_mask(), 0b11110);
  ::setenv("AE_LOG", "filter=trace", 1);
  ::setenv("PERL_ANYEVENT_LOG", "filter=alert", 1);
  ASSERT_TRUE(configure_from_environment());
  EXPECT_EQ(filter_context().level_mask(), 0b110);
}

TEST_F(EnvironmentTest, LogSpecAppliesAfterVerbose) {
  ::setenv("AE_VERBOSE", "3", 1);
  ::setenv("AE_LOG", "filter=info:env::x=off", 1);
  ASSERT_TRUE(configure_from_environment());
  EXPECT_EQ(filter_context().level_mask(), 0xFE);
  EXPECT_EQ(ctx("env::x").level_mask(), 0);
}

TEST_F(EnvironmentTest, MalformedVerboseIsReportedAndTheDefaultUsed) {
  ::setenv("AE_VERBOSE", "loud", 1);
  StderrCapture err;
  EXPECT_FALSE(configure_from_environment());
  EXPECT_THAT(err.text(), HasSubstr("AE_VERBOSE='loud' is not a log level"));
  EXPECT_EQ(filter_context().level_mask(), 0b11110);
}

TEST_F(EnvironmentTest, MalformedLogSpecIsReportedAndDefaultsKept) {
  ::setenv("AE_VERBOSE", "6", 1);
  ::setenv("AE_LOG", "filter=trace:env::y=off:env::z=whatever", 1);
  StderrCapture err;
  EXPECT_FALSE(configure_from_environment());
  EXPECT_THAT(err.text(), HasSubstr("AE_LOG (filter=trace:env::y=off:env::z=whatever): parse "
                                    "error at 'whatever' (unknown directive); keeping the "
                                    "default logging setup"));
  EXPECT_EQ(filter_context().level_mask(), 0x7E) << "AE_VERBOSE still applies";
  EXPECT_EQ(ctx("env::y").level_mask(), 0x3FE) << "nothing of the spec applies";
}

TEST_F(EnvironmentTest, MalformedValuesAreReportedEvenWhenLoggingIsOff) {
  ::setenv("AE_VERBOSE", "0", 1);
  ::setenv("AE_LOG", "oops", 1);
  StderrCapture err;
  EXPECT_FALSE(configure_from_environment());
  EXPECT_THAT(err.text(), HasSubstr("AE_LOG (oops): parse error at 'oops'"));
}

// Runs env_probe with exactly `env` and returns {exit status, stdout, stderr}.
struct ProbeResult {
  int status = -1;
  std::string out;
  std::string err;
};

ProbeResult run_probe(std::vector<std::string> env) {
  std::string probe = std::string(std::getenv("TEST_SRCDIR")) + "/" +
                      std::getenv("TEST_WORKSPACE") + "/tests/log/env_probe";
  std::string out = temp_path("probe-out"), err = temp_path("probe-err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char* argv[] = {probe.data(), nullptr};
  pid_t pid = -1;
  ProbeResult result;
  int rc = posix_spawn(&pid, probe.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << probe;
  if (rc != 0) return result;
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  result.status = status;
  result.out = read_file(out);
  result.err = read_file(err);
  return result;
}

TEST(EnvironmentStartupTest, DefaultsPrintErrorsAndAboveFromContextsAndCore) {
  ProbeResult r = run_probe({});
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 0);
  EXPECT_THAT(r.out, HasSubstr("filter_mask=30\n"));
  EXPECT_THAT(r.out, HasSubstr("core_warn_enabled=0\n"));
  EXPECT_THAT(r.err, HasSubstr(" error probe: probe level 4"));
  EXPECT_THAT(r.err, HasSubstr(" alert probe: probe level 2"));
  EXPECT_THAT(r.err, Not(HasSubstr("probe level 5")));
  EXPECT_THAT(r.err, HasSubstr(" error ae::core: core error"));
  EXPECT_THAT(r.err, Not(HasSubstr("core warning")));
}

TEST(EnvironmentStartupTest, VerboseAndLogSpecApplyBeforeMain) {
  std::string path = temp_path("probe.log");
  ProbeResult r = run_probe({"AE_VERBOSE=warn", "AE_LOG=probe=only,debug,+%f:%f=file=" + path});
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 0);
  EXPECT_THAT(r.out, HasSubstr("filter_mask=62\n"));
  EXPECT_THAT(r.out, HasSubstr("core_warn_enabled=1\n"));
  std::string file = read_file(path);
  EXPECT_THAT(file, HasSubstr(" debug probe: probe level 8"));
  EXPECT_THAT(file, Not(HasSubstr("probe level 4"))) << "only debug passes the probe context";
  // The probe context lets only debug pass, and filter (warn) stops that on the way to stderr.
  EXPECT_THAT(r.err, Not(HasSubstr("probe level")));
}

TEST(EnvironmentStartupTest, MalformedSpecAtStartupIsReportedAndTheProgramRuns) {
  ProbeResult r = run_probe({"AE_LOG=filter=debug:probe=+%x,frobnicate"});
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 0);
  EXPECT_THAT(r.err, HasSubstr("AE_LOG (filter=debug:probe=+%x,frobnicate): parse error at "
                               "'frobnicate' (unknown directive); keeping the default logging "
                               "setup"));
  EXPECT_THAT(r.out, HasSubstr("filter_mask=30\n"));
  EXPECT_THAT(r.err, HasSubstr(" error probe: probe level 4")) << "the default setup works";
}

TEST(EnvironmentStartupTest, MalformedVerboseAtStartupIsReported) {
  ProbeResult r = run_probe({"AE_VERBOSE=11"});
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 0);
  EXPECT_THAT(r.err, HasSubstr("AE_VERBOSE='11' is not a log level"));
  EXPECT_THAT(r.out, HasSubstr("filter_mask=30\n"));
}

TEST(EnvironmentStartupTest, CoreMessagesArriveInTheAeCoreContext) {
  // //core reports an unknown AE_MODEL through its hook; AE_LOG sends "ae::core" to a file.
  std::string path = temp_path("core.log");
  ProbeResult r = run_probe(
      {"PROBE_MAKE_LOOP=1", "AE_MODEL=no-such-backend", "AE_LOG=ae::core=+,file=" + path});
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 0) << r.err;
  std::string file = read_file(path);
  EXPECT_THAT(file, HasSubstr(" error ae::core: AE_MODEL=no-such-backend names no linked backend"));
  EXPECT_THAT(file, HasSubstr(" warn  ae::core: core warning"));
  EXPECT_THAT(r.err, Not(HasSubstr("ae::core"))) << "detached from the default graph";
}

}  // namespace
}  // namespace ae::log
