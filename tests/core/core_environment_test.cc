// The environment as //core reads it: PERL_ANYEVENT_x before AE_x, and AE_VERBOSE honoured by
// core's own log sink when //log is not linked.
#include "core/internal/environment.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/env.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/process.h"

namespace ae::testing {
namespace {

using core_internal::environment;
using core_internal::verbose_from_environment;

TEST(CoreEnvironmentTest, PerlAnyEventNamesWinOverAeNames) {
  ScopedEnv perl("PERL_ANYEVENT_MODEL", "uv");
  ScopedEnv ae("AE_MODEL", "asio");
  EXPECT_EQ(environment("MODEL"), "uv");
}

TEST(CoreEnvironmentTest, AnEmptyPerlAnyEventNameHidesTheAeName) {
  ScopedEnv perl("PERL_ANYEVENT_MODEL", "");
  ScopedEnv ae("AE_MODEL", "uv");
  EXPECT_EQ(environment("MODEL"), "");
}

TEST(CoreEnvironmentTest, AeNamesCountWhenThePerlNameIsUnset) {
  ScopedEnv perl("PERL_ANYEVENT_MODEL", std::nullopt);
  ScopedEnv ae("AE_MODEL", "uv");
  EXPECT_EQ(environment("MODEL"), "uv");
  ScopedEnv none("AE_MODEL", std::nullopt);
  EXPECT_EQ(environment("MODEL"), std::nullopt);
}

TEST(CoreEnvironmentTest, VerboseIsADigitAndDefaultsToErrors) {
  ScopedEnv perl("PERL_ANYEVENT_VERBOSE", std::nullopt);
  ScopedEnv ae("AE_VERBOSE", std::nullopt);
  EXPECT_EQ(verbose_from_environment(), 4);
  ScopedEnv zero("AE_VERBOSE", "0");
  EXPECT_EQ(verbose_from_environment(), 0);
  ScopedEnv nine("AE_VERBOSE", " 9\n");
  EXPECT_EQ(verbose_from_environment(), 9);
  ScopedEnv junk("AE_VERBOSE", "loud");
  EXPECT_EQ(verbose_from_environment(), 4);
}

// The probe logs "level 1" to "level 9" through core's default sink, then prints its model.
struct ProbeRun {
  std::string out;
  std::string err;
};

ProbeRun run_probe(std::vector<std::string> env) {
  // Only `env` counts, not what the test's own environment may carry.
  ScopedEnv v1("PERL_ANYEVENT_VERBOSE", std::nullopt), v2("AE_VERBOSE", std::nullopt);
  ScopedEnv m1("PERL_ANYEVENT_MODEL", std::nullopt), m2("AE_MODEL", std::nullopt);
  TestLoop loop;  // the Process helper runs on a loop of this thread
  Process p({runfile("tests/core/log_probe")}, {.env = std::move(env)});
  std::optional<int> status = p.wait();
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << p.output();
  return {p.out(), p.err()};
}

TEST(CoreEnvironmentTest, CoresOwnSinkPrintsErrorsAndWorseByDefault) {
  ProbeRun r = run_probe({});
  EXPECT_NE(r.err.find("level 4"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("level 5"), std::string::npos) << r.err;
}

TEST(CoreEnvironmentTest, AeVerboseZeroSilencesCoresOwnSink) {
  ProbeRun r = run_probe({"AE_VERBOSE=0"});
  EXPECT_EQ(r.err, "");
}

TEST(CoreEnvironmentTest, PerlAnyEventVerboseWinsInCoresOwnSink) {
  ProbeRun r = run_probe({"PERL_ANYEVENT_VERBOSE=6", "AE_VERBOSE=0"});
  EXPECT_NE(r.err.find("level 6"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("level 7"), std::string::npos) << r.err;
}

TEST(CoreEnvironmentTest, PerlAnyEventModelPicksTheDefaultLoopsModel) {
  EXPECT_EQ(run_probe({"PERL_ANYEVENT_MODEL=uv"}).out, "uv\n");
  EXPECT_EQ(run_probe({"AE_MODEL=uv"}).out, "uv\n");
}

}  // namespace
}  // namespace ae::testing
