// The process helper: output, input, exit status, and cleanup of what a program leaves behind.
#include "tests/support/process.h"

#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <string>

#include "tests/support/files.h"
#include "tests/support/loop.h"

namespace ae::testing {
namespace {

class ProcessTest : public LoopTest {};

// True while process `pid` exists and is not a zombie.
bool running(const std::string& pid) {
  std::string stat = read_file("/proc/" + pid + "/stat");
  std::size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

TEST_P(ProcessTest, RunCollectsOutputAndTheExitCode) {
  Outcome r = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST_P(ProcessTest, StdinDataIsReadThenEndOfFile) {
  std::string big(300000, 'x');  // more than a pipe holds: fed while the loop runs
  Outcome r = run({"wc", "-c"}, big);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(std::stoul(r.out), big.size());
}

TEST_P(ProcessTest, WithoutStdinDataTheProgramReadsNothing) {
  Outcome r = run({"cat"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST_P(ProcessTest, APipedStdinStaysOpenUntilClosed) {
  Process cat({"cat"}, {.stdin_pipe = true});
  cat.write("hello\n");
  ASSERT_TRUE(cat.wait_for_out("hello\n"));
  EXPECT_TRUE(cat.running());
  cat.close_stdin();
  std::optional<int> status = cat.wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(cat.exit_code(), 0);
}

TEST_P(ProcessTest, StopSignalsTheProgram) {
  Process sleeper({"sleep", "600"});
  std::optional<int> status = sleeper.stop(SIGTERM);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGTERM);
  EXPECT_EQ(sleeper.exit_code(), -1);
}

TEST_P(ProcessTest, AProgramNotOnPathIsAClearError) {
  try {
    Process p({"no-such-program-ae"});
    FAIL() << "started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-program-ae"), std::string::npos) << e.what();
  }
}

TEST_P(ProcessTest, DestroyingItEndsTheWholeProcessGroup) {
  std::string pid;
  {
    // The shell leaves a background child behind, in the program's process group.
    Process p({"sh", "-c", "sleep 600 & echo $!; wait"});
    ASSERT_TRUE(p.wait_for_out("\n"));
    pid = p.out().substr(0, p.out().find('\n'));
  }
  ASSERT_FALSE(pid.empty());
  // The grandchild was killed; it may linger as a zombie of init for a moment, never running.
  Timer look = ae::timer(0.01, 0.01, [] {});  // nothing the loop sees marks that moment
  EXPECT_TRUE(run_until([&] { return !running(pid); }));
}

TEST_P(ProcessTest, TheTestsFdsAreNotInherited) {
  Outcome r = run({"sh", "-c", "ls /proc/self/fd | wc -l"});
  // 0, 1, 2, and the directory ls reads.
  EXPECT_EQ(std::stoi(r.out), 4) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Backends, ProcessTest, ::testing::ValuesIn(main_backends()), backend_name);

}  // namespace
}  // namespace ae::testing
