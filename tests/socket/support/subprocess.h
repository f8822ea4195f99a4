// Test support for //socket: a real peer program (socat) started and stopped by the test.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ae::socket_test {

// A child process with `stdin_data` on its stdin (then EOF) and its stdout on a pipe. Destroying
// it kills (SIGTERM) and reaps the child if that has not happened yet.
class Subprocess {
 public:
  // Starts `argv` (argv[0] looked up in PATH). std::nullopt, with a gtest failure, on error.
  static std::optional<Subprocess> spawn(const std::vector<std::string>& argv,
                                         const std::string& stdin_data = "");

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  ~Subprocess();

  pid_t pid() const noexcept { return pid_; }
  // The child's stdout (non-blocking); read it once the child exited.
  int stdout_fd() const noexcept { return out_; }
  // Everything readable on stdout now.
  std::string drain_stdout();
  // False once the child has exited (it is reaped then, and its status lost).
  bool running();
  // Marks the child as reaped by someone else (an ae::child watcher).
  void reaped() noexcept { pid_ = -1; }

 private:
  Subprocess() = default;
  pid_t pid_ = -1;
  int out_ = -1;
};

}  // namespace ae::socket_test
