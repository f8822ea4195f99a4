// Test support for //socket: environment variables and files a test sets up for its duration.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/log_hook.h"

namespace ae::socket_test {

// Sets (or, with std::nullopt, unsets) an environment variable; restores it when destroyed.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// A file under $TEST_TMPDIR with `contents`, and AE_HOSTS pointing at it while this lives.
class ScopedHostsFile {
 public:
  explicit ScopedHostsFile(const std::string& contents);
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  std::optional<ScopedEnv> env_;
};

// A fresh path under $TEST_TMPDIR for a unix-domain socket.
std::string temp_socket_path(const std::string& name);

// Collects what //core's log hook receives from the context "ae::socket" while it lives.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  struct Line {
    LogLevel level;
    std::string message;
  };
  std::vector<Line> lines() const;
};

}  // namespace ae::socket_test
