// Permission errors reach the callbacks as error codes. The requests run in a separate program
// (permission_probe) that drops every capability first, so the checks apply even when the
// test runs as root.
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/io/io_test_util.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/process.h"

namespace ae::fs {
namespace {

using ae::testing::write_file;

std::map<std::string, int> parse(const std::string& out) {
  std::map<std::string, int> codes;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::size_t eq = line.find('=');
    if (eq != std::string::npos) codes[line.substr(0, eq)] = std::stoi(line.substr(eq + 1));
  }
  return codes;
}

TEST(PermissionTest, RefusedRequestsReportEacces) {
  ae::testing::TestLoop loop;
  std::string dir = ae::testing::fs::test_dir();
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  ASSERT_TRUE(write_file(dir + "/secret", "top secret\n"));
  ASSERT_EQ(::chmod((dir + "/secret").c_str(), 0), 0);
  ASSERT_TRUE(write_file(dir + "/readonly", "x"));
  ASSERT_EQ(::chmod((dir + "/readonly").c_str(), 0444), 0);
  ASSERT_EQ(::mkdir((dir + "/locked").c_str(), 0755), 0);
  ASSERT_TRUE(write_file(dir + "/locked/file", "x"));
  ASSERT_EQ(::chmod((dir + "/locked").c_str(), 0555), 0);
  ASSERT_EQ(::mkdir((dir + "/closed").c_str(), 0755), 0);
  ASSERT_TRUE(write_file(dir + "/closed/inside", "x"));
  ASSERT_EQ(::chmod((dir + "/closed").c_str(), 0), 0);

  ae::testing::Outcome r =
      ae::testing::run({ae::testing::runfile("tests/io/permission_probe"), dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, int> codes = parse(r.out);
  for (const char* name : {"load_secret", "open_secret", "create_in_locked", "mkdir_in_locked",
                           "unlink_in_locked", "rename_from_locked", "readdir_closed",
                           "stat_in_closed", "write_readonly", "follow_secret"}) {
    ASSERT_TRUE(codes.count(name)) << name << " missing from:\n" << r.out;
    EXPECT_EQ(codes[name], EACCES) << name;
  }

  // Leave the directory removable.
  ::chmod((dir + "/locked").c_str(), 0755);
  ::chmod((dir + "/closed").c_str(), 0755);
}

}  // namespace
}  // namespace ae::fs
