// Every example program answers --help with its usage on stdout (exit 0) and a bad command line
// with the usage on stderr (exit 2).
#include <gtest/gtest.h>

#include <string>

#include "tests/examples/support/process.h"

namespace ae::examples_test {
namespace {

class HelpTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HelpTest, HelpPrintsTheUsageAndSucceeds) {
  Outcome r = run({example(GetParam()), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out.starts_with("usage: " + GetParam() + " ")) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_P(HelpTest, AnUnknownOptionIsAUsageError) {
  Outcome r = run({example(GetParam()), "--no-such-option", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage: " + GetParam()), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

INSTANTIATE_TEST_SUITE_P(Programs, HelpTest,
                         ::testing::Values("finger", "finger_server", "http_get", "smtp_client",
                                           "echo_server", "echo_client", "chat_server"));

}  // namespace
}  // namespace ae::examples_test
