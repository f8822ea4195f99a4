#include "fork/fork.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "core/loop.h"
#include "tests/fork/fork_test_util.h"

namespace {

using ae::fork::Args;
using ae::fork::Channel;
using ae::fork::Fork;
using ae::fork::Process;
using ae::fork::Template;
using ae::fork_testing::read_to_eof;
using ae::fork_testing::run_until;

void write_str(int fd, const std::string& s) {
  ssize_t n = ::write(fd, s.data(), s.size());
  (void)n;
}

// Writes its string arguments back, joined by commas, and the number of fds it got.
void echo_args(Channel ch, Args args) {
  std::string out;
  for (auto& s : args.strings) out += s + ",";
  out += "fds=" + std::to_string(args.fds.size());
  write_str(ch.out, out);
}
AE_FORK_FUNCTION("test.echo_args", echo_args);

// Writes "through the fd" into the first fd it was sent.
void write_to_fd(Channel, Args args) { write_str(args.fds.at(0), "through the fd"); }
AE_FORK_FUNCTION("test.write_to_fd", write_to_fd);

// Ends the way its argument says.
void die_how(Channel, Args args) {
  const std::string& how = args.strings.at(0);
  if (how == "abort") std::abort();
  if (how == "kill") ::raise(SIGKILL);
  if (how == "throw") throw std::runtime_error("thrown in the child");
  ::_exit(std::atoi(how.c_str()));
}
AE_FORK_FUNCTION("test.die_how", die_how);

Process run_sync(Fork f, const std::string& name) {
  Process out;
  bool ran = false;
  f.run(name, [&](Process p) {
    out = std::move(p);
    ran = true;
  });
  EXPECT_TRUE(run_until([&] { return ran; }));
  return out;
}

ae::fork::ExitInfo wait_exit(Process& p) {
  std::optional<ae::fork::ExitInfo> info;
  p.on_exit([&](const ae::fork::ExitInfo& i) { info = i; });
  EXPECT_TRUE(run_until([&] { return info.has_value(); }));
  return info.value_or(ae::fork::ExitInfo{});
}

TEST(ForkTest, RunsARegisteredFunctionWithTheArgumentsSent) {
  Fork f;
  f.send_arg("one").send_arg("two").send_arg(std::string(200000, 'x'));
  Process p = run_sync(std::move(f), "test.echo_args");
  EXPECT_EQ(read_to_eof(p.fd()), "one,two," + std::string(200000, 'x') + ",fds=0");
  EXPECT_EQ(wait_exit(p).describe(), "exited with status 0");
  EXPECT_GT(p.pid(), 0);
}

TEST(ForkTest, PassesFdsWithScmRights) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  Fork f;
  f.send_fh(pipe_fds[1]);
  ::close(pipe_fds[1]);  // the Fork holds its own copy
  Process p = run_sync(std::move(f), "test.write_to_fd");
  EXPECT_EQ(read_to_eof(pipe_fds[0]), "through the fd");
  ::close(pipe_fds[0]);
  wait_exit(p);
}

TEST(ForkTest, ForkClonesTheArgumentsAndFdsSentSoFar) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  Fork f;
  f.send_arg("shared").send_fh(pipe_fds[1]);
  ::close(pipe_fds[1]);
  Fork clone = f.fork();
  clone.send_arg("clone");
  f.send_arg("original");
  Process a = run_sync(std::move(f), "test.echo_args");
  Process b = run_sync(std::move(clone), "test.echo_args");
  EXPECT_EQ(read_to_eof(a.fd()), "shared,original,fds=1");
  EXPECT_EQ(read_to_eof(b.fd()), "shared,clone,fds=1");
  ::close(pipe_fds[0]);
}

TEST(ForkTest, ReportsTheExitStatusOfAWorker) {
  Process p = run_sync(std::move(Fork().send_arg("3")), "test.die_how");
  EXPECT_EQ(wait_exit(p).describe(), "exited with status 3");
}

TEST(ForkTest, ReportsTheSignalThatKilledAWorker) {
  Process p = run_sync(std::move(Fork().send_arg("kill")), "test.die_how");
  EXPECT_EQ(wait_exit(p).describe(), "killed by signal 9 (SIGKILL)");
  Process q = run_sync(std::move(Fork().send_arg("abort")), "test.die_how");
  EXPECT_NE(wait_exit(q).describe().find("killed by signal 6 (SIGABRT"), std::string::npos);
}

TEST(ForkTest, AnExceptionInTheChildEndsItWithStatusOne) {
  Process p = run_sync(std::move(Fork().send_arg("throw")), "test.die_how");
  EXPECT_EQ(wait_exit(p).describe(), "exited with status 1");
}

TEST(ForkTest, KillEndsARunningWorker) {
  Process p = run_sync(std::move(Fork().send_arg("x")), "test.echo_args");
  read_to_eof(p.fd());
  wait_exit(p);
  p.kill(SIGKILL);  // already reported dead: nothing is sent to a pid that may be reused
}

TEST(ForkTest, AForkDestroyedBeforeRunMakesItsChildExit) {
  pid_t pid = 0;
  {
    Fork f;
    f.send_arg("never run");
    ASSERT_TRUE(run_until([&] { return f.pid() != 0; }));
    pid = f.pid();
  }
  // The child saw EOF and exited; the template reaped it (checked after every test too).
  EXPECT_TRUE(run_until([&] { return ::kill(pid, 0) != 0; }));
}

TEST(ForkTest, RunWithAnUnregisteredNameThrows) {
  Fork f;
  EXPECT_THROW(f.run("no.such.function", [](Process) {}), std::logic_error);
}

TEST(ForkTest, NewExecStartsAFreshTemplate) {
  Template t = Template::new_exec();
  EXPECT_GT(t.pid(), 0);
  Fork f(t);
  f.send_arg("exec'd");
  Process p = run_sync(std::move(f), "test.echo_args");
  EXPECT_EQ(read_to_eof(p.fd()), "exec'd,fds=0");
  EXPECT_EQ(wait_exit(p).describe(), "exited with status 0");
}

}  // namespace
