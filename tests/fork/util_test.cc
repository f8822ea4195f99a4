#include "fork/util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/loop.h"
#include "tests/fork/fork_test_util.h"

namespace {

using ae::Result;
using ae::fork::fork_call;
using ae::fork::Json;
using ae::fork::Redirect;
using ae::fork::run_cmd;
using ae::fork::RunCmdOptions;
using ae::fork::shell;
using ae::fork_testing::run_until;

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

std::string temp_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

TEST(RunCmdTest, CollectsStdoutOfAnArgvCommand) {
  std::string out;
  RunCmdOptions o;
  o.redirect(1, Redirect::to_string(&out));
  pid_t pid = 0;
  o.pid = &pid;
  int status = run_cmd({"echo", "hello", "world"}, std::move(o)).recv();
  EXPECT_EQ(exit_code(status), 0);
  EXPECT_EQ(out, "hello world\n");
  EXPECT_GT(pid, 0);
}

TEST(RunCmdTest, AShellStringReportsItsExitStatus) {
  EXPECT_EQ(exit_code(run_cmd(shell("exit 3")).recv()), 3);
}

TEST(RunCmdTest, FeedsStdinFromAStringAndCollectsALargeOutput) {
  std::string in(1 << 20, 'x');
  in += "end";
  std::string out;
  RunCmdOptions o;
  o.redirect(0, Redirect::from_string(in)).redirect(1, Redirect::to_string(&out));
  EXPECT_EQ(exit_code(run_cmd({"cat"}, std::move(o)).recv()), 0);
  EXPECT_EQ(out, in);
}

TEST(RunCmdTest, StreamsStderrToACallbackThenSignalsEof) {
  std::vector<std::string> chunks;
  RunCmdOptions o;
  o.redirect(2, Redirect::to_callback([&](std::string_view c) { chunks.emplace_back(c); }));
  EXPECT_EQ(exit_code(run_cmd(shell("echo oops >&2"), std::move(o)).recv()), 0);
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_EQ(chunks.back(), "");
  std::string all;
  for (auto& c : chunks) all += c;
  EXPECT_EQ(all, "oops\n");
}

TEST(RunCmdTest, RedirectsAnyFdNumber) {
  std::string three;
  RunCmdOptions o;
  o.redirect(3, Redirect::to_string(&three));
  EXPECT_EQ(exit_code(run_cmd(shell("echo on three >&3"), std::move(o)).recv()), 0);
  EXPECT_EQ(three, "on three\n");
}

TEST(RunCmdTest, FeedsAnyFdNumber) {
  std::string out;
  RunCmdOptions o;
  o.redirect(4, Redirect::from_string("on four\n")).redirect(1, Redirect::to_string(&out));
  EXPECT_EQ(exit_code(run_cmd(shell("cat <&4"), std::move(o)).recv()), 0);
  EXPECT_EQ(out, "on four\n");
}

TEST(RunCmdTest, FeedsStdinFromACallbackUntilItReturnsNothing) {
  int calls = 0;
  std::string out;
  RunCmdOptions o;
  o.redirect(0, Redirect::from_callback([&]() -> std::string {
               ++calls;
               return calls <= 3 ? "chunk" + std::to_string(calls) + "\n" : "";
             }))
      .redirect(1, Redirect::to_string(&out));
  EXPECT_EQ(exit_code(run_cmd({"cat"}, std::move(o)).recv()), 0);
  EXPECT_EQ(out, "chunk1\nchunk2\nchunk3\n");
  EXPECT_EQ(calls, 4);
}

TEST(RunCmdTest, RedirectsToAndFromFilesOpenedInTheChild) {
  std::string in_path = temp_path("run_cmd_in"), out_path = temp_path("run_cmd_out");
  std::ofstream(in_path) << "from a file\n";
  RunCmdOptions o;
  o.redirect(0, Redirect::from_file(in_path)).redirect(1, Redirect::to_file(out_path));
  EXPECT_EQ(exit_code(run_cmd({"cat"}, std::move(o)).recv()), 0);
  std::stringstream got;
  got << std::ifstream(out_path).rdbuf();
  EXPECT_EQ(got.str(), "from a file\n");
}

TEST(RunCmdTest, PassesAnFdThrough) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  RunCmdOptions o;
  o.redirect(1, Redirect::to_fd(p[1]));
  EXPECT_EQ(exit_code(run_cmd(shell("echo via fd"), std::move(o)).recv()), 0);
  ::close(p[1]);
  EXPECT_EQ(ae::fork_testing::read_to_eof(p[0]), "via fd\n");
  ::close(p[0]);
}

TEST(RunCmdTest, SetUpFailuresUseAnyEventsExitCodes) {
  RunCmdOptions missing_file;
  missing_file.redirect(0, Redirect::from_file(temp_path("does/not/exist")));
  EXPECT_EQ(exit_code(run_cmd({"cat"}, std::move(missing_file)).recv()), 125);

  EXPECT_EQ(exit_code(run_cmd({"/nonexistent/program"}).recv()), 126);

  RunCmdOptions bad_prepare;
  bad_prepare.on_prepare = [] { throw std::runtime_error("no"); };
  EXPECT_EQ(exit_code(run_cmd({"true"}, std::move(bad_prepare)).recv()), 123);

  RunCmdOptions bad_fd;
  bad_fd.redirect(1, Redirect::to_fd(1000));  // not open: dup fails
  EXPECT_EQ(exit_code(run_cmd({"true"}, std::move(bad_fd)).recv()), 124);
}

TEST(RunCmdTest, OnPrepareRunsInTheChildBeforeExec) {
  std::string out;
  RunCmdOptions o;
  o.on_prepare = [] { ::setenv("FROM_PREPARE", "yes", 1); };
  o.redirect(1, Redirect::to_string(&out));
  EXPECT_EQ(exit_code(run_cmd(shell("echo $FROM_PREPARE"), std::move(o)).recv()), 0);
  EXPECT_EQ(out, "yes\n");
  EXPECT_EQ(std::getenv("FROM_PREPARE"), nullptr);
}

TEST(RunCmdTest, CloseAllClosesInheritedFds) {
  int fd = ::open("/dev/null", O_RDONLY);  // inheritable on purpose
  ASSERT_GE(fd, 3);
  std::string probe =
      "test -e /proc/self/fd/" + std::to_string(fd) + " && echo open || echo closed";
  std::string kept, closed;
  RunCmdOptions a;
  a.redirect(1, Redirect::to_string(&kept));
  run_cmd(shell(probe), std::move(a)).recv();
  RunCmdOptions b;
  b.close_all = true;
  b.redirect(1, Redirect::to_string(&closed));
  run_cmd(shell(probe), std::move(b)).recv();
  ::close(fd);
  EXPECT_EQ(kept, "open\n");
  EXPECT_EQ(closed, "closed\n");
}

TEST(RunCmdTest, CompletesOnlyAfterExitAndEofOnEveryPipe) {
  std::string out;
  RunCmdOptions o;
  o.redirect(1, Redirect::to_string(&out));
  // The shell exits at once; a background child keeps stdout open and writes later.
  ae::CondVar<int> done = run_cmd(shell("(sleep 0.3; echo late) & echo early"), std::move(o));
  int status = done.recv();
  EXPECT_EQ(exit_code(status), 0);
  EXPECT_EQ(out, "early\nlate\n");
}

TEST(ForkCallTest, ReturnsTheFunctionsResult) {
  int captured = 21;
  std::optional<Result<Json>> got;
  fork_call(
      [captured] {
        return Json{{"pid", ::getpid()}, {"value", captured * 2}};
      },
      [&](Result<Json> r) { got = std::move(r); });
  ASSERT_TRUE(run_until([&] { return got.has_value(); }));
  ASSERT_TRUE(*got) << got->message();
  EXPECT_EQ((**got)["value"], 42);
  EXPECT_NE((**got)["pid"], ::getpid());
}

TEST(ForkCallTest, AnExceptionComesBackAsTheError) {
  std::optional<Result<Json>> got;
  fork_call([]() -> Json { throw std::runtime_error("failed in the child"); },
            [&](Result<Json> r) { got = std::move(r); });
  ASSERT_TRUE(run_until([&] { return got.has_value(); }));
  EXPECT_EQ(got->code(), ae::fork::RpcErrc::kWorkerException);
  EXPECT_EQ(got->message(), "failed in the child");
}

TEST(ForkCallTest, AChildThatDiesIsReportedWithItsSignal) {
  std::optional<Result<Json>> got;
  fork_call(
      []() -> Json {
        ::raise(SIGKILL);
        return nullptr;
      },
      [&](Result<Json> r) { got = std::move(r); });
  ASSERT_TRUE(run_until([&] { return got.has_value(); }));
  EXPECT_EQ(got->code(), ae::fork::RpcErrc::kWorkerDied);
  EXPECT_EQ(got->message(), "fork_call child killed by signal 9 (SIGKILL)");
}

TEST(ForkCallTest, AtMostMaxForksRunAtOnceAndTheRestQueueInOrder) {
  std::size_t old = ae::fork::max_forks();
  ae::fork::set_max_forks(2);
  std::vector<int> order;
  std::size_t most = 0;
  for (int i = 0; i < 8; ++i) {
    fork_call([i] { return Json(i); },
              [&](Result<Json> r) {
                ASSERT_TRUE(r);
                order.push_back(r->get<int>());
              });
    most = std::max(most, ae::fork::fork_calls_running());
  }
  ASSERT_TRUE(run_until([&] {
    most = std::max(most, ae::fork::fork_calls_running());
    return order.size() == 8;
  }));
  ae::fork::set_max_forks(old);
  EXPECT_EQ(most, 2u);
  // FIFO: the last call starts only after six others ended, so it ends among the last two.
  auto last = std::find(order.begin(), order.end(), 7) - order.begin();
  EXPECT_GE(last, 6);
}

TEST(ForkCallTest, MaxForksDefaultsToTen) {
  // AE_MAX_FORKS is unset in the test environment.
  EXPECT_EQ(std::getenv("AE_MAX_FORKS") ? 0u : ae::fork::max_forks(),
            std::getenv("AE_MAX_FORKS") ? 0u : 10u);
}

// In the child, a timer of the parent's that was pending at the fork must never run: this one
// would end the child with status 99.
ae::Timer parent_only_timer() {
  pid_t parent = ::getpid();
  return ae::timer(0, [parent] {
    if (::getpid() != parent) ::_exit(99);
  });
}

// What a child does with ae: waits for a timer of its own on whatever loop is current.
int wait_for_own_timer() {
  ae::CondVar<int> cv;
  ae::Timer t = ae::timer(0.01, [cv]() mutable { cv.send(5); });
  return cv.recv();
}

TEST(ForkCallTest, TheChildUsesAFreshLoopNeverTheParentsWatchers) {
  ae::Timer parent_timer = parent_only_timer();
  std::optional<Result<Json>> got;
  fork_call([] { return Json(wait_for_own_timer()); }, [&](Result<Json> r) { got = std::move(r); });
  ASSERT_TRUE(run_until([&] { return got.has_value(); }));
  ASSERT_TRUE(*got) << got->message();
  EXPECT_EQ(**got, 5);
}

TEST(RunCmdTest, OnPrepareUsesAFreshLoopNeverTheParentsWatchers) {
  ae::Timer parent_timer = parent_only_timer();
  std::string out;
  RunCmdOptions o;
  o.on_prepare = [] {
    if (wait_for_own_timer() != 5) ::_exit(98);
  };
  o.redirect(1, Redirect::to_string(&out));
  EXPECT_EQ(exit_code(run_cmd({"echo", "prepared"}, std::move(o)).recv()), 0);
  EXPECT_EQ(out, "prepared\n");
}

}  // namespace
