#include "tests/log/log_test_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ae::log_test {

void LogTest::SetUp() {
  ae::log::reset();
  ae::log::set_default_format(nullptr);
  ae::log::exact_time(true);
  // A fatal message in a test must not end the test binary.
  ae::log::set_fatal_exit([] {});
}

void LogTest::TearDown() {
  ae::log::reset();
  ae::log::set_default_format(nullptr);
  ae::log::exact_time(true);
  ae::log::set_fatal_exit(nullptr);
}

ae::log::LogCallback Recorder::callback(bool consume) const {
  return [state = state_, consume](std::string_view formatted, const ae::log::Message& m) {
    std::lock_guard lock(state->mu);
    state->records.push_back(Record{std::string(formatted), std::string(m.context),
                                    m.level.number(), std::string(m.text), m.time});
    return consume;
  };
}

std::vector<Record> Recorder::records() const {
  std::lock_guard lock(state_->mu);
  return state_->records;
}

std::vector<std::string> Recorder::texts() const {
  std::vector<std::string> out;
  for (const Record& r : records()) out.push_back(r.text);
  return out;
}

std::size_t Recorder::size() const {
  std::lock_guard lock(state_->mu);
  return state_->records.size();
}

StderrCapture::StderrCapture() : path_(temp_path("stderr")) {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  saved_ = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
}

StderrCapture::~StderrCapture() {
  ::dup2(saved_, STDERR_FILENO);
  ::close(saved_);
}

std::string StderrCapture::text() const { return read_file(path_); }

std::string temp_path(std::string_view stem) {
  static std::atomic<int> counter{0};
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string base = dir != nullptr ? dir : "/tmp";
  return base + "/" + std::string(stem) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace ae::log_test
