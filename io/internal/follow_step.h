// One step of a follower (io/follow.h), run on a worker: opens the file if needed, notices
// truncation and rotation, and reads what was appended. Private to //io.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "io/file.h"
#include "io/internal/descriptor.h"

namespace ae::io_internal {

struct StepInput {
  std::string path;
  std::string dir;                      // path's directory, watched for the name coming and going
  std::shared_ptr<Descriptor> file;     // the file being read, or null: open `path`
  std::shared_ptr<Descriptor> inotify;  // the follower's inotify instance, or null: polling
  bool watch_dir = false;               // add the directory's watch in this step
  int old_file_wd = -1;                 // the previous file's watch, removed when opening anew
  // When opening: where to start (std::nullopt: at the end).
  std::optional<std::uint64_t> start;
  // When reading `file`: its identity and where to read.
  dev_t dev = 0;
  ino_t ino = 0;
  std::uint64_t offset = 0;
  std::size_t read_size = 0;
};

struct StepOutput {
  StepOutput() = default;
  // A failure (the form io_internal::failure() makes).
  StepOutput(std::error_code code, std::string text) : error(code), message(std::move(text)) {}

  std::error_code error;  // following cannot go on
  std::string message;
  bool missing = false;  // nothing exists at `path` (yet)
  fs::File opened;       // opened in this step; dev, ino and offset are its
  dev_t dev = 0;
  ino_t ino = 0;
  int file_wd = -1;                 // the opened file's inotify watch
  std::optional<int> dir_wd;        // the directory's watch, when asked for
  std::error_code dir_watch_error;  // why the directory could not be watched
  bool truncated = false;           // the file became shorter than `offset`: read from 0 instead
  bool rotated = false;             // read to its end, and `path` now names another file (or none)
  std::uint64_t offset = 0;         // just past `data`
  std::string data;
  bool more = false;  // read_size bytes came: there may be more
};

StepOutput follow_step(const StepInput& in);

}  // namespace ae::io_internal
