// AE_DEBUG_SHELL=unix//tmp/ae-debug-shell-env-$$.sock (set in BUILD): the first loop made serves
// a shell at that path, with $$ replaced by the process id, for the loop's lifetime.
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "core/core.h"
#include "gtest/gtest.h"
#include "tests/support/loop.h"
#include "tests/support/process.h"

namespace {

TEST(ShellEnvironmentTest, TheFirstLoopServesTheShellNamedInTheEnvironment) {
  std::string path = "/tmp/ae-debug-shell-env-" + std::to_string(::getpid()) + ".sock";
  struct stat st;
  {
    ae::testing::TestLoop loop("asio");
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    {
      ae::testing::Process p({"socat", "-t", "30", "-", "UNIX-CONNECT:" + path},
                             {.stdin_data = "wr\n"});
      ASSERT_TRUE(p.wait()) << p.output();
      EXPECT_NE(p.out().find("> wrap level 1\n"), std::string::npos) << p.output();
    }
    loop.allow_watchers_left();  // the shell's own, until the loop goes
  }
  EXPECT_NE(::stat(path.c_str(), &st), 0) << "the shell went with its loop";
}

}  // namespace
