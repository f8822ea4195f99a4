#include "io/aio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <memory>
#include <new>
#include <utility>

#include "io/internal/channel.h"
#include "io/internal/descriptor.h"
#include "io/internal/request.h"
#include "io/internal/start.h"

namespace ae::fs {
namespace {

using io_internal::Channel;
using io_internal::Descriptor;
using io_internal::Op;
using io_internal::reject;
using io_internal::Request;
using io_internal::start;
using DescriptorRef = std::shared_ptr<Descriptor>;

// Runs `work(fd)` on the file's descriptor, which the request keeps open while it runs.
template <class R, class Work>
Guard start_on_file(const char* op, const File& file, Work work, Function<void(R)> cb) {
  DescriptorRef desc = file.descriptor();
  if (!desc) {
    return reject<R>(std::make_error_code(std::errc::bad_file_descriptor),
                     std::string(op) + ": no file", std::move(cb));
  }
  return start<R>(
      [desc = std::move(desc), work = std::move(work)]() mutable { return work(desc->fd()); },
      std::move(cb));
}

// ---- The system calls (worker threads) ----

std::error_code errno_code() { return std::error_code(errno, std::generic_category()); }

std::string describe(const char* op, const std::string& path, std::error_code code) {
  std::string text(op);
  if (!path.empty()) text += " " + path;
  return text + ": " + code.message();
}

template <class T>
Result<T> errno_result(const char* op, const std::string& path) {
  std::error_code code = errno_code();
  return Result<T>(code, describe(op, path, code));
}

std::error_code done(int rc) { return rc == 0 ? std::error_code() : errno_code(); }

// An fd owned by one system-call sequence on a worker.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) noexcept : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// read(2) that retries EINTR.
ssize_t read_some(int fd, char* into, std::size_t length) {
  ssize_t n;
  do {
    n = ::read(fd, into, length);
  } while (n < 0 && errno == EINTR);
  return n;
}

Result<std::string> load(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_result<std::string>("open", path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return errno_result<std::string>("fstat", path);
  std::string data;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    auto size = static_cast<std::size_t>(st.st_size);
    try {
      data.resize(size);
    } catch (const std::bad_alloc&) {
      auto code = std::make_error_code(std::errc::not_enough_memory);
      return Result<std::string>(code, describe("load", path, code));
    }
    std::size_t got = 0;
    while (got < size) {
      ssize_t n = read_some(fd.get(), data.data() + got, size - got);
      if (n < 0) return errno_result<std::string>("read", path);
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got < size) {
      return Result<std::string>(std::make_error_code(std::errc::io_error),
                                 "load " + path + ": the file shrank while it was read (" +
                                     std::to_string(got) + " of " + std::to_string(size) +
                                     " bytes)");
    }
    return data;
  }
  // Size unknown (a pipe, a /proc file): read to the end.
  constexpr std::size_t kChunk = 64 * 1024;
  for (;;) {
    std::size_t had = data.size();
    data.resize(had + kChunk);
    ssize_t n = read_some(fd.get(), data.data() + had, kChunk);
    if (n < 0) return errno_result<std::string>("read", path);
    data.resize(had + static_cast<std::size_t>(n));
    if (n == 0) return data;
  }
}

Result<std::string> read_up_to(int fd, std::size_t length) {
  std::string data;
  data.resize(length);
  ssize_t n = read_some(fd, data.data(), length);
  if (n < 0) return errno_result<std::string>("read", "");
  data.resize(static_cast<std::size_t>(n));
  return data;
}

Result<std::size_t> write_once(int fd, const std::string& data) {
  ssize_t n;
  do {
    n = ::write(fd, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_result<std::size_t>("write", "");
  return static_cast<std::size_t>(n);
}

// utimensat's times: both unset means "now" (nullptr), one unset means "leave it".
struct Times {
  timespec ts[2];
  bool now;
};

timespec to_timespec(std::optional<double> t) {
  if (!t) return timespec{0, UTIME_OMIT};
  double whole = std::floor(*t);
  auto nanos = static_cast<long>(std::lround((*t - whole) * 1e9));
  if (nanos >= 1'000'000'000) {
    whole += 1;
    nanos -= 1'000'000'000;
  }
  return timespec{static_cast<time_t>(whole), nanos};
}

Times make_times(std::optional<double> atime, std::optional<double> mtime) {
  return Times{{to_timespec(atime), to_timespec(mtime)}, !atime && !mtime};
}

Result<std::string> read_link(const std::string& path) {
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return errno_result<std::string>("readlink", path);
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);  // possibly cut short: try a bigger buffer
  }
}

Result<std::vector<std::string>> read_dir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return errno_result<std::vector<std::string>>("opendir", path);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    dirent* entry = ::readdir(dir);
    if (entry == nullptr) break;
    std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  int error = errno;
  ::closedir(dir);
  if (error != 0) {
    errno = error;
    return errno_result<std::vector<std::string>>("readdir", path);
  }
  return names;
}

Result<struct stat> stat_result(int rc, const struct stat& st, const char* op,
                                const std::string& path) {
  if (rc != 0) return errno_result<struct stat>(op, path);
  return st;
}

}  // namespace

const char* model() {
  return Channel::current()->model() == io_internal::Model::kSync ? "sync" : "pool";
}

Guard aio_load(std::string path, Function<void(Result<std::string>)> cb) {
  return start<Result<std::string>>([path = std::move(path)] { return load(path); }, std::move(cb));
}

Guard aio_open(std::string path, int flags, mode_t mode, Function<void(Result<File>)> cb) {
  return start<Result<File>>(
      [path = std::move(path), flags, mode]() -> Result<File> {
        int fd;
        do {
          fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) return errno_result<File>("open", path);
        return File(fd);
      },
      std::move(cb));
}

Guard aio_close(File file, DoneCallback cb) {
  std::shared_ptr<Descriptor> desc = file.take_descriptor();
  if (!desc) {
    return reject<std::error_code>(std::make_error_code(std::errc::bad_file_descriptor),
                                   "close: no file", std::move(cb));
  }
  // The close request is finished by the descriptor's destructor, which runs where the last
  // reference goes: on the worker that drops this one below, or on the one running the file's
  // last request.
  const std::shared_ptr<Channel>& channel = Channel::current();
  auto closer = std::make_shared<Op<std::error_code>>(channel, nullptr, std::move(cb));
  Guard guard = io_internal::cancel_guard(closer);
  channel->hold(closer);
  desc->close_with(std::move(closer));
  Guard dropper = start<std::error_code>(
      [desc = std::move(desc)]() mutable {
        desc.reset();
        return std::error_code();
      },
      nullptr);
  dropper.dismiss();
  return guard;
}

Guard aio_seek(const File& file, off_t offset, int whence, Function<void(Result<off_t>)> cb) {
  return start_on_file<Result<off_t>>(
      "seek", file,
      [offset, whence](int fd) -> Result<off_t> {
        off_t at = ::lseek(fd, offset, whence);
        if (at < 0) return errno_result<off_t>("seek", "");
        return at;
      },
      std::move(cb));
}

Guard aio_read(const File& file, std::size_t length, Function<void(Result<std::string>)> cb) {
  return start_on_file<Result<std::string>>(
      "read", file, [length](int fd) { return read_up_to(fd, length); }, std::move(cb));
}

Guard aio_write(const File& file, std::string data, Function<void(Result<std::size_t>)> cb) {
  return start_on_file<Result<std::size_t>>(
      "write", file, [data = std::move(data)](int fd) { return write_once(fd, data); },
      std::move(cb));
}

Guard aio_truncate(std::string path, off_t length, DoneCallback cb) {
  return start<std::error_code>(
      [path = std::move(path), length] { return done(::truncate(path.c_str(), length)); },
      std::move(cb));
}

Guard aio_truncate(const File& file, off_t length, DoneCallback cb) {
  return start_on_file<std::error_code>(
      "truncate", file, [length](int fd) { return done(::ftruncate(fd, length)); }, std::move(cb));
}

Guard aio_utime(std::string path, std::optional<double> atime, std::optional<double> mtime,
                DoneCallback cb) {
  return start<std::error_code>(
      [path = std::move(path), times = make_times(atime, mtime)] {
        return done(::utimensat(AT_FDCWD, path.c_str(), times.now ? nullptr : times.ts, 0));
      },
      std::move(cb));
}

Guard aio_utime(const File& file, std::optional<double> atime, std::optional<double> mtime,
                DoneCallback cb) {
  return start_on_file<std::error_code>(
      "utime", file,
      [times = make_times(atime, mtime)](int fd) {
        return done(::futimens(fd, times.now ? nullptr : times.ts));
      },
      std::move(cb));
}

Guard aio_chown(std::string path, std::optional<uid_t> uid, std::optional<gid_t> gid,
                DoneCallback cb) {
  return start<std::error_code>(
      [path = std::move(path), uid = uid.value_or(static_cast<uid_t>(-1)),
       gid = gid.value_or(static_cast<gid_t>(-1))] {
        return done(::chown(path.c_str(), uid, gid));
      },
      std::move(cb));
}

Guard aio_chown(const File& file, std::optional<uid_t> uid, std::optional<gid_t> gid,
                DoneCallback cb) {
  return start_on_file<std::error_code>(
      "chown", file,
      [uid = uid.value_or(static_cast<uid_t>(-1)),
       gid = gid.value_or(static_cast<gid_t>(-1))](int fd) { return done(::fchown(fd, uid, gid)); },
      std::move(cb));
}

Guard aio_chmod(std::string path, mode_t mode, DoneCallback cb) {
  return start<std::error_code>(
      [path = std::move(path), mode] { return done(::chmod(path.c_str(), mode)); }, std::move(cb));
}

Guard aio_chmod(const File& file, mode_t mode, DoneCallback cb) {
  return start_on_file<std::error_code>(
      "chmod", file, [mode](int fd) { return done(::fchmod(fd, mode)); }, std::move(cb));
}

Guard aio_stat(std::string path, Function<void(Result<struct stat>)> cb) {
  return start<Result<struct stat>>(
      [path = std::move(path)] {
        struct stat st;
        return stat_result(::stat(path.c_str(), &st), st, "stat", path);
      },
      std::move(cb));
}

Guard aio_stat(const File& file, Function<void(Result<struct stat>)> cb) {
  return start_on_file<Result<struct stat>>(
      "stat", file,
      [](int fd) {
        struct stat st;
        return stat_result(::fstat(fd, &st), st, "fstat", "");
      },
      std::move(cb));
}

Guard aio_lstat(std::string path, Function<void(Result<struct stat>)> cb) {
  return start<Result<struct stat>>(
      [path = std::move(path)] {
        struct stat st;
        return stat_result(::lstat(path.c_str(), &st), st, "lstat", path);
      },
      std::move(cb));
}

Guard aio_link(std::string old_path, std::string new_path, DoneCallback cb) {
  return start<std::error_code>(
      [old_path = std::move(old_path), new_path = std::move(new_path)] {
        return done(::link(old_path.c_str(), new_path.c_str()));
      },
      std::move(cb));
}

Guard aio_symlink(std::string target, std::string link_path, DoneCallback cb) {
  return start<std::error_code>(
      [target = std::move(target), link_path = std::move(link_path)] {
        return done(::symlink(target.c_str(), link_path.c_str()));
      },
      std::move(cb));
}

Guard aio_readlink(std::string path, Function<void(Result<std::string>)> cb) {
  return start<Result<std::string>>([path = std::move(path)] { return read_link(path); },
                                    std::move(cb));
}

Guard aio_rename(std::string old_path, std::string new_path, DoneCallback cb) {
  return start<std::error_code>(
      [old_path = std::move(old_path), new_path = std::move(new_path)] {
        return done(::rename(old_path.c_str(), new_path.c_str()));
      },
      std::move(cb));
}

Guard aio_unlink(std::string path, DoneCallback cb) {
  return start<std::error_code>([path = std::move(path)] { return done(::unlink(path.c_str())); },
                                std::move(cb));
}

Guard aio_mkdir(std::string path, mode_t mode, DoneCallback cb) {
  return start<std::error_code>(
      [path = std::move(path), mode] { return done(::mkdir(path.c_str(), mode)); }, std::move(cb));
}

Guard aio_rmdir(std::string path, DoneCallback cb) {
  return start<std::error_code>([path = std::move(path)] { return done(::rmdir(path.c_str())); },
                                std::move(cb));
}

Guard aio_readdir(std::string path, Function<void(Result<std::vector<std::string>>)> cb) {
  return start<Result<std::vector<std::string>>>(
      [path = std::move(path)] { return read_dir(path); }, std::move(cb));
}

}  // namespace ae::fs
