// ae::fs::follow: reading a file as it grows, like `tail -F` (POE::Wheel::FollowTail).
//
// The follower reads only what is appended to the file at `path`, from a starting offset, and
// hands it over in lines (or in chunks as read). It notices new data with inotify where the
// kernel offers it (a watch on the file and one on its directory), and otherwise by stat()ing
// the file every poll_interval. It survives the two ways logs are rotated: the file renamed
// and a new one created under the name (it reads the old file to its end, then switches to the
// new one from its start), and the file truncated in place (it starts again at offset 0). Every
// read and stat runs on //io's worker pool, so a slow disk never stalls the loop.
//
// Example:
//   ae::fs::Follower tail = ae::fs::follow("/var/log/app.log", {}, [](std::string_view line) {
//     std::cout << "new: " << line << "\n";
//   });
//   ae::CondVar<>().recv();  // runs the loop; lines arrive as the file grows
//
//   // Resuming where an earlier run stopped (POE's Seek + tell):
//   ae::fs::FollowOptions o;
//   o.offset = saved_offset;               // saved from Follower::offset()
//   tail = ae::fs::follow(path, std::move(o), on_line);
//
// Callbacks: on_line runs every time a line (or chunk) is complete; on_reset and on_error when
// that happens; all on the calling loop's thread, never inside follow(). Destroying (or
// reset()ting) the Follower stops it, also from inside its own callbacks: no callback runs
// afterwards. An exception thrown by a callback leaves the loop's run() as usual; the follower
// goes on with the data after the line that threw.
//
// Errors: the file is allowed to be missing (at the start, or between a rotation's rename and
// the new file's creation): the follower waits for it to appear and reads it from its start. Any
// other failure to open, stat or read it (permissions, a directory, an I/O error) is reported
// once through on_error (or the log hook when there is none), and the follower stops.
//
// Limits: a truncation followed by growth past the old offset before the follower looks is seen
// as growth (as with tail); bytes written to a rotated file after the follower switched to the
// new one are not read. Each follower with inotify uses one inotify instance; when the kernel
// refuses one (its per-user limit), the follower polls instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "core/function.h"
#include "core/watchers.h"

namespace ae::io_internal {
class Tail;
}

namespace ae::fs {

// Why reading started again at the start of a file (POE's ResetEvent).
enum class FollowReset {
  kTruncated,  // the file became shorter than what had been read
  kRotated,    // the name now refers to another file (renamed away and recreated, or replaced)
};

struct FollowOptions {
  // Where to start: std::nullopt is the end of the file as the first read finds it (only what
  // is appended from then on); a byte offset (typically an earlier Follower::offset()) resumes
  // there. An offset beyond the end means the file is not the one it was taken from: reading
  // starts at 0 and on_reset(kTruncated) is reported.
  std::optional<std::uint64_t> offset;
  // Lines without their "\n" (or "\r\n"), or chunks of bytes exactly as read.
  bool chunks = false;
  // A line longer than this arrives in pieces of this many bytes (the last one ends at the
  // terminator), so memory stays bounded whatever the file holds.
  std::size_t max_line = 1 << 20;
  // Bytes read per request; a file that grew by more is read in several.
  std::size_t read_size = 64 * 1024;
  // Use inotify when the kernel offers it; false always polls.
  bool inotify = true;
  // How often to stat the file when polling.
  Seconds poll_interval = Seconds(1.0);
  // The file was truncated or rotated; runs after the last line of the old content (a final
  // line without terminator included) and before the first of the new.
  Function<void(FollowReset)> on_reset;
  // Following stopped on an error (see Errors above).
  Function<void(std::error_code, std::string_view message)> on_error;
};

// A running follower; destroying it stops following.
class Follower {
 public:
  Follower() noexcept;
  Follower(Follower&&) noexcept;
  Follower& operator=(Follower&&) noexcept;
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;
  ~Follower();

  // Stops following; no callback runs afterwards.
  void reset() noexcept;
  explicit operator bool() const noexcept { return tail_ != nullptr; }

  // The offset in the current file just past the last byte handed to on_line (POE's tell):
  // what FollowOptions::offset takes to resume without losing or repeating a line.
  std::uint64_t offset() const noexcept;
  // True while changes are noticed through inotify rather than by polling.
  bool inotify() const noexcept;

 private:
  friend Follower follow(std::string, FollowOptions, Function<void(std::string_view)>);
  explicit Follower(std::unique_ptr<io_internal::Tail> tail) noexcept;
  std::unique_ptr<io_internal::Tail> tail_;
};

// Follows the file at `path` on the current loop; `on_line` gets every line (or chunk).
// Errors: std::invalid_argument for a path that is empty or ends in "/", an empty on_line, a
// zero read_size or a poll_interval that is not positive.
[[nodiscard]] Follower follow(std::string path, FollowOptions options,
                              Function<void(std::string_view)> on_line);

}  // namespace ae::fs
