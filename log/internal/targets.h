// The built-in targets: stderr, a file kept open, a path opened per message, a user callback.
// (Syslog is in syslog_target.h.)
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include "core/result.h"
#include "log/internal/state.h"
#include "log/message.h"

namespace ae::log_internal {

// Writes each message to stderr with one write(2) (AnyEvent's log_to_warn).
std::shared_ptr<Target> make_stderr_target();

// Hands each message to a user's LogCallback (AnyEvent's log_cb).
std::shared_ptr<Target> make_callback_target(ae::log::LogCallback cb);

// Appends to a file through a descriptor kept open (AnyEvent's log_to_file); reopen() swaps in
// a fresh descriptor for log rotation. Every open FileTarget is listed for reopen_all_files().
class FileTarget final : public Target {
 public:
  // Opens `path` for appending. Errors: the errno of open(2), with the path in the message.
  static ae::Result<std::shared_ptr<FileTarget>> open(std::string path);
  ~FileTarget() override;

  bool write(std::string_view formatted, const ae::log::Message& message) override;
  // Errors: the errno of open(2), with the path in the message; the old descriptor then stays
  // in use.
  ae::Result<void> reopen();
  const std::string& path() const noexcept { return path_; }

  FileTarget(std::string path, std::string absolute, int fd) noexcept
      : path_(std::move(path)), absolute_(std::move(absolute)), fd_(fd) {}

 private:
  const std::string path_;
  const std::string absolute_;  // what reopen() opens, whatever the working directory is then
  std::mutex mu_;               // guards fd_ against reopen()
  int fd_;
};

// Reopens every live FileTarget; returns how many, or the first error (each one is reported).
ae::Result<std::size_t> reopen_all_files();

// Opens, appends to and closes `path` for every message (AnyEvent's log_to_path). Checks once
// now that the file can be opened. Returns the target and the absolute path it uses.
// Errors: the errno of the trial open(2).
ae::Result<std::shared_ptr<Target>> make_path_target(std::string path, std::string* absolute);

// `path` made absolute against the current directory (unchanged when it already is).
std::string absolute_path(std::string path);

}  // namespace ae::log_internal
