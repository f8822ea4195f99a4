#include "io/internal/follow_step.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace ae::io_internal {
namespace {

constexpr std::uint32_t kFileEvents =
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF;
constexpr std::uint32_t kDirEvents = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;

std::error_code errno_code() { return std::error_code(errno, std::generic_category()); }

StepOutput failed(const char* op, const std::string& path, std::error_code code) {
  return StepOutput(code, std::string(op) + " " + path + ": " + code.message());
}

ssize_t pread_some(int fd, char* into, std::size_t length, std::uint64_t offset) {
  ssize_t n;
  do {
    n = ::pread(fd, into, length, static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  return n;
}

// Reads up to read_size more bytes at out.offset, appending them to out.data.
bool read_at(int fd, const StepInput& in, StepOutput& out) {
  std::size_t had = out.data.size();
  out.data.resize(had + in.read_size);
  ssize_t n = pread_some(fd, out.data.data() + had, in.read_size, out.offset);
  if (n < 0) {
    out = failed("read", in.path, errno_code());
    return false;
  }
  out.data.resize(had + static_cast<std::size_t>(n));
  out.offset += static_cast<std::uint64_t>(n);
  out.more = static_cast<std::size_t>(n) == in.read_size;
  return true;
}

}  // namespace

StepOutput follow_step(const StepInput& in) {
  StepOutput out;
  int ifd = in.inotify ? in.inotify->fd() : -1;
  if (ifd >= 0 && in.watch_dir) {
    int wd = ::inotify_add_watch(ifd, in.dir.c_str(), kDirEvents | IN_ONLYDIR);
    if (wd < 0) out.dir_watch_error = errno_code();
    out.dir_wd = wd;
  }

  int fd;
  struct stat st;
  if (!in.file) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
    do {
      fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      if (errno == ENOENT) {
        out.missing = true;
        return out;
      }
      return failed("open", in.path, errno_code());
    }
    out.opened = fs::File(fd);
    // Watched before the size is taken, so a write after that is always noticed.
    if (ifd >= 0) {
      if (in.old_file_wd >= 0) ::inotify_rm_watch(ifd, in.old_file_wd);
      out.file_wd = ::inotify_add_watch(ifd, in.path.c_str(), kFileEvents);
    }
    if (::fstat(fd, &st) != 0) return failed("fstat", in.path, errno_code());
    if (S_ISDIR(st.st_mode)) {
      return failed("follow", in.path, std::make_error_code(std::errc::is_a_directory));
    }
    if (!S_ISREG(st.st_mode)) {
      return StepOutput(std::make_error_code(std::errc::invalid_argument),
                        "follow " + in.path + ": not a regular file");
    }
    auto size = static_cast<std::uint64_t>(st.st_size);
    out.dev = st.st_dev;
    out.ino = st.st_ino;
    out.offset = in.start.value_or(size);
    if (out.offset > size) {
      out.offset = 0;
      out.truncated = true;
    }
  } else {
    fd = in.file->fd();
    out.dev = in.dev;
    out.ino = in.ino;
    out.offset = in.offset;
    if (::fstat(fd, &st) != 0) return failed("fstat", in.path, errno_code());
    if (static_cast<std::uint64_t>(st.st_size) < in.offset) {
      out.offset = 0;
      out.truncated = true;
    }
  }

  if (!read_at(fd, in, out)) return out;
  if (out.more || out.opened) return out;

  // At the end of the file: has the name moved on to another file (or none)? Asked on every
  // step that reached the end, since the changes that announced the rotation may all have been
  // noticed before this step read the old file's last lines.
  struct stat now;
  bool gone = ::stat(in.path.c_str(), &now) != 0 ? errno == ENOENT
                                                 : now.st_dev != out.dev || now.st_ino != out.ino;
  if (!gone) return out;
  // What the writer added between the read above and the rename still belongs to the old
  // file's readers: read it before switching.
  if (!read_at(fd, in, out)) return out;
  if (out.more) return out;  // more of the old file first; the next step looks again
  out.rotated = true;
  return out;
}

}  // namespace ae::io_internal
