// ae::testing::Process: a program a test starts (an example, or a real peer such as openssl,
// socat, nginx, dnsmasq), watched by the current ae loop.
//
// Its stdout and stderr are collected while the loop runs, its exit is reported by an ae::child
// watcher, and waiting for either runs the loop (run_until), so nothing sleeps. The program runs
// in a process group of its own with default signal dispositions, and dies with the test
// (PR_SET_PDEATHSIG) even when the test is killed. A server that must be told its port starts
// through start_on_free_port() (tests/support/ports.h).
//
// Example:
//   ae::testing::Process p({"socat", "-", "TCP:127.0.0.1:" + port}, {.stdin_data = "hello\n"});
//   std::optional<int> status = p.wait();          // runs the loop until it exited
//   ASSERT_TRUE(status && WIFEXITED(*status));
//   EXPECT_EQ(p.out(), "hello\n");
//
//   ae::testing::Outcome r = ae::testing::run({ae::testing::example("echo_client"), addr, "x"});
//   EXPECT_EQ(r.exit_code, 0) << r.err;
//
// Lifetime: make and destroy it while the loop that was current at its start is current and
// alive. Destroying it ends the program's whole process group (SIGTERM, then SIGKILL after a few
// seconds) and reaps it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/watchers.h"
#include "tests/support/run_until.h"

namespace ae::testing {

struct ProcessOptions {
  // Standard input: /dev/null when neither is set; these bytes, then end-of-file; or a pipe the
  // test writes with write() and ends with close_stdin().
  std::optional<std::string> stdin_data{};
  bool stdin_pipe = false;
  // Added to (or replacing in) the test's environment, as "NAME=value".
  std::vector<std::string> env{};
};

class Process {
 public:
  // Starts argv[0] (looked up on PATH when it has no '/') with `argv`.
  // Errors: std::runtime_error when the program cannot be started (not found, not executable,
  // pipes or fork failed); the message names it.
  explicit Process(std::vector<std::string> argv, ProcessOptions options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // The command line, for messages.
  std::string command() const;
  // What the program wrote so far (the loop reads it while it runs).
  const std::string& out() const noexcept { return out_; }
  const std::string& err() const noexcept { return err_; }
  // Both, labelled, for failure messages.
  std::string output() const;
  // True once stdout / stderr reached end-of-file.
  bool out_closed() const noexcept { return out_fd_ < 0; }
  bool err_closed() const noexcept { return err_fd_ < 0; }

  // Writes to the program's stdin (with stdin_pipe; blocking, tests write little).
  // Errors: std::runtime_error when the pipe is closed or the write fails.
  void write(std::string_view data);
  void close_stdin() noexcept;

  // True until the loop saw the program exit.
  bool running() const noexcept { return !status_.has_value(); }
  bool exited() const noexcept { return status_.has_value(); }
  // waitpid's status once exited.
  std::optional<int> status() const noexcept { return status_; }
  // The exit code, or -1 while running or when a signal ended it.
  int exit_code() const noexcept;

  // Runs the loop until stdout / stderr holds `text`; false when it did not come within
  // `timeout` (or the stream ended without it).
  bool wait_for_out(std::string_view text, Seconds timeout = kPatience);
  bool wait_for_err(std::string_view text, Seconds timeout = kPatience);
  // Runs the loop until the program exited and its output is read to the end; its status, or
  // std::nullopt when it still ran after `timeout`.
  std::optional<int> wait(Seconds timeout = kPatience);
  // Sends `signum` to the program's process group, then waits as wait() does.
  std::optional<int> stop(int signum = 15, Seconds timeout = kPatience);

 private:
  void read_into(int& fd, std::string& into, Io& watcher);
  void feed_stdin();

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string pending_in_;
  std::string out_;
  std::string err_;
  Io in_watch_;
  Io out_watch_;
  Io err_watch_;
  Child child_watch_;
  std::optional<int> status_;
};

// What a finished program did. exit_code is -1 when a signal ended it or it timed out.
struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` to completion (within `timeout`) with `stdin_data` as its standard input
// (/dev/null without).
Outcome run(std::vector<std::string> argv, std::optional<std::string> stdin_data = {},
            Seconds timeout = 30s);

}  // namespace ae::testing
