// A child process with pipes to its stdin, stdout and stderr, read by the current ae loop, for
// tests that talk to real peers (openssl s_server / s_client, aiosmtpd).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/loop.h"

namespace ae::testing {

class Process {
 public:
  // Starts argv[0] (found on PATH) with the rest as arguments. The output pipes are read into
  // out() and err() whenever the current loop runs.
  // Errors: std::runtime_error when the pipes or fork fail.
  explicit Process(std::vector<std::string> argv);
  // Ends the process (SIGTERM, then SIGKILL after 2 s) and reaps it.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  // True when stdout / stderr reached end-of-file.
  bool out_closed() const { return out_fd_ < 0; }

  // Writes to the child's stdin (blocking; tests write little).
  void write(std::string_view data);
  void close_stdin();

  // True once the process exited (reaps it); status() is waitpid's status then.
  bool exited();
  int status() const { return status_; }

  // Runs the current loop until the process exited, or `seconds` passed.
  bool wait_exit(double seconds = 10);
  // The command line, for messages.
  std::string command() const;

 private:
  void drain(int& fd, std::string& into, Io& watcher);

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  Io out_watch_;
  Io err_watch_;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace ae::testing
