#include "tests/socket/support/env.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace ae::socket_test {
namespace {

std::string tmpdir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::mutex g_log_mutex;
std::vector<LogCapture::Line> g_log_lines;

bool capture_enabled(LogLevel, std::string_view context) { return context == "ae::socket"; }

void capture_write(LogLevel level, std::string_view, std::string_view message) {
  std::lock_guard lock(g_log_mutex);
  g_log_lines.push_back({level, std::string(message)});
}

constexpr LogSink kCaptureSink{&capture_enabled, &capture_write};

}  // namespace

ScopedEnv::ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str())) old_ = old;
  if (value) {
    ::setenv(name_.c_str(), value->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    ::setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

ScopedHostsFile::ScopedHostsFile(const std::string& contents) {
  static std::atomic<int> counter{0};
  path_ = tmpdir() + "/hosts." + std::to_string(::getpid()) + "." + std::to_string(++counter);
  std::ofstream(path_) << contents;
  env_.emplace("AE_HOSTS", path_);
}

std::string temp_socket_path(const std::string& name) {
  static std::atomic<int> counter{0};
  // sun_path holds 107 characters, and Bazel's $TEST_TMPDIR can be longer than that; a short
  // private directory under /tmp stands in for it then.
  struct ShortDir {
    ShortDir() {
      path = tmpdir();
      if (path.size() <= 60) return;
      char templ[] = "/tmp/ae-socket-test.XXXXXX";
      path = ::mkdtemp(templ) != nullptr ? templ : "/tmp";
      owned = path != "/tmp";
    }
    ~ShortDir() {
      std::error_code ignored;
      if (owned) std::filesystem::remove_all(path, ignored);
    }
    std::string path;
    bool owned = false;
  };
  static const ShortDir short_dir;
  const std::string& dir = short_dir.path;
  std::string path = dir + "/" + name + "." + std::to_string(++counter) + ".sock";
  ::unlink(path.c_str());
  return path;
}

LogCapture::LogCapture() {
  {
    std::lock_guard lock(g_log_mutex);
    g_log_lines.clear();
  }
  set_log_sink(&kCaptureSink);
}

LogCapture::~LogCapture() { set_log_sink(nullptr); }

std::vector<LogCapture::Line> LogCapture::lines() const {
  std::lock_guard lock(g_log_mutex);
  return g_log_lines;
}

}  // namespace ae::socket_test
