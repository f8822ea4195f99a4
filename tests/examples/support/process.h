// Running the example programs (and real peers such as nginx) from tests: child processes whose
// output is collected while the ae loop runs, and waits with deadlines instead of sleeps.
//
// Example:
//   auto server = ae::examples_test::Process::start_server("echo_server", {"--quiet"});
//   ae::examples_test::Outcome r = ae::examples_test::run(
//       {ae::examples_test::example("echo_client"), server->address(), "hello"});
//   EXPECT_EQ(r.exit_code, 0);
//   EXPECT_EQ(r.out, "hello\n");
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/watchers.h"

namespace ae::examples_test {

using namespace std::chrono_literals;

// The path of `path` (relative to the workspace) in the test's runfiles.
std::string runfile(std::string_view path);
// The path of example program `name` (//examples/<name>:<name>, or for a name with '-' such as
// ae-httpd, //examples/ae_httpd:ae-httpd) in the test's runfiles.
std::string example(std::string_view name);
// The entries of a directory (full paths, dot files left out); none when it does not exist.
std::vector<std::string> files_in(const std::string& dir);

// A directory of its own under $TEST_TMPDIR (made if missing).
std::string temp_dir(std::string_view name);
std::string read_file(const std::string& path);
void write_file(const std::string& path, std::string_view content);

// Runs the current loop until pred() holds or `timeout` passed; returns pred(). The loop blocks
// in between, so this waits for events, not for time.
bool run_until(const std::function<bool()>& pred, Seconds timeout = 10s);

// A child process. Its stdout and stderr are collected while the loop runs.
// Lifetime: destroying it kills the process (SIGKILL) if it still runs, and reaps it.
class Process {
 public:
  // Starts argv[0] with `argv`. Standard input is `stdin_data` (through a file), or /dev/null.
  // Errors: std::runtime_error when the program cannot be started.
  explicit Process(std::vector<std::string> argv, std::optional<std::string> stdin_data = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts example server `name` with `args` and waits for its "listening on HOST:PORT" line.
  // Errors: std::runtime_error when it exits or stays silent for 10 seconds.
  static std::unique_ptr<Process> start_server(std::string_view name,
                                               std::vector<std::string> args = {});

  pid_t pid() const { return pid_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  // For a server started by start_server: the port it listens on (0 for a unix-domain socket)
  // and "127.0.0.1:PORT".
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Waits until stdout holds `text`; returns whether it came within `timeout`.
  bool wait_for_out(std::string_view text, Seconds timeout = 10s);
  // Waits until stderr holds `text`.
  bool wait_for_err(std::string_view text, Seconds timeout = 10s);
  // Waits until the process has exited and its output is read; returns its wait status, or
  // nothing when it was still running after `timeout`.
  std::optional<int> wait(Seconds timeout = 20s);
  bool exited() const { return status_.has_value(); }
  // Sends `signum` and waits as wait() does.
  std::optional<int> stop(int signum, Seconds timeout = 10s);

 private:
  void collect(int& fd, std::string& into, Io& watcher);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  Io out_watch_;
  Io err_watch_;
  Child child_watch_;
  std::optional<int> status_;
  std::uint16_t port_ = 0;
};

// What a finished program did. exit_code is -1 when it was killed by a signal or timed out.
struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` to completion (within `timeout`) with `stdin_data` as standard input.
Outcome run(std::vector<std::string> argv, std::optional<std::string> stdin_data = {},
            Seconds timeout = 30s);

// A TCP port on 127.0.0.1 that was free a moment ago, for peers that cannot report the port they
// picked themselves (nginx, aiosmtpd, socat).
std::uint16_t free_port();

// Tries to connect to 127.0.0.1:`port` every 20 ms (from the loop) until it works or `timeout`.
bool wait_for_port(std::uint16_t port, Seconds timeout = 15s);

}  // namespace ae::examples_test
