// Helpers for //log's tests: a fixture that restores the default configuration, a log_cb that
// records what it receives, stderr capture, and temporary files.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "log/log.h"

namespace ae::log_test {

// Every test starts and ends with AnyEvent's default graph, the default format, the default
// clock and a fatal exit that does not exit.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
};

// One message as a recording log_cb saw it.
struct Record {
  std::string formatted;
  std::string context;
  int level = 0;
  std::string text;
  double time = 0;
};

// A log_cb that records every message; thread-safe.
class Recorder {
 public:
  Recorder() : state_(std::make_shared<State>()) {}
  // The callback; it returns `consume`.
  ae::log::LogCallback callback(bool consume = false) const;
  std::vector<Record> records() const;
  std::vector<std::string> texts() const;
  std::size_t size() const;

 private:
  struct State {
    mutable std::mutex mu;
    std::vector<Record> records;
  };
  std::shared_ptr<State> state_;
};

// Redirects fd 2 to a file for its lifetime.
class StderrCapture {
 public:
  StderrCapture();
  ~StderrCapture();
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  // What was written to stderr so far.
  std::string text() const;

 private:
  std::string path_;
  int saved_ = -1;
};

// A fresh path under $TEST_TMPDIR (the file does not exist yet).
std::string temp_path(std::string_view stem);
std::string read_file(const std::string& path);
// The lines of `text` (without their newlines).
std::vector<std::string> split_lines(std::string_view text);

}  // namespace ae::log_test
