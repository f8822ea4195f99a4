#include "log/internal/targets.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace ae::log_internal {
namespace {

class StderrTarget final : public Target {
 public:
  bool write(std::string_view formatted, const ae::log::Message&) override {
    // Nowhere left to report a failing stderr to.
    (void)write_all(STDERR_FILENO, formatted);
    return false;
  }
};

class CallbackTarget final : public Target {
 public:
  explicit CallbackTarget(ae::log::LogCallback cb) : cb_(std::move(cb)) {}
  bool write(std::string_view formatted, const ae::log::Message& message) override {
    return cb_(formatted, message);
  }

 private:
  ae::log::LogCallback cb_;
};

class PathTarget final : public Target {
 public:
  explicit PathTarget(std::string path) : path_(std::move(path)) {}
  bool write(std::string_view formatted, const ae::log::Message&) override {
    int fd = open_for_append(path_);
    int err = fd < 0 ? errno : write_all(fd, formatted);
    if (fd >= 0) ::close(fd);
    if (err != 0) {
      report("unable to write to logfile '" + path_ + "': " + std::strerror(err));
    }
    return false;
  }
  static int open_for_append(const std::string& path) {
    return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
  }

 private:
  const std::string path_;
};

struct FileList {
  std::mutex mu;
  std::vector<std::weak_ptr<FileTarget>> files;
};

FileList& file_list() {
  static FileList* const list = new FileList;  // never destroyed, like state()
  return *list;
}

std::error_code open_error(int err) { return std::error_code(err, std::generic_category()); }

std::string open_message(const std::string& path, int err) {
  return "cannot open log file '" + path + "': " + std::strerror(err);
}

}  // namespace

std::shared_ptr<Target> make_stderr_target() { return std::make_shared<StderrTarget>(); }

std::shared_ptr<Target> make_callback_target(ae::log::LogCallback cb) {
  return std::make_shared<CallbackTarget>(std::move(cb));
}

std::string absolute_path(std::string path) {
  if (path.empty() || path.front() == '/') return path;
  std::string cwd(256, '\0');
  while (::getcwd(cwd.data(), cwd.size()) == nullptr) {
    if (errno != ERANGE) return path;  // keep it relative rather than fail
    cwd.resize(cwd.size() * 2);
  }
  cwd.resize(std::strlen(cwd.c_str()));
  if (cwd.back() != '/') cwd.push_back('/');
  return cwd + path;
}

ae::Result<std::shared_ptr<FileTarget>> FileTarget::open(std::string path) {
  std::string absolute = absolute_path(path);
  int fd = PathTarget::open_for_append(absolute);
  if (fd < 0) {
    int err = errno;
    return ae::Error{open_error(err), open_message(path, err)};
  }
  auto file = std::make_shared<FileTarget>(std::move(path), std::move(absolute), fd);
  FileList& list = file_list();
  std::lock_guard lock(list.mu);
  std::erase_if(list.files, [](const std::weak_ptr<FileTarget>& f) { return f.expired(); });
  list.files.push_back(file);
  return file;
}

FileTarget::~FileTarget() { ::close(fd_); }

bool FileTarget::write(std::string_view formatted, const ae::log::Message&) {
  int err;
  {
    std::lock_guard lock(mu_);
    err = write_all(fd_, formatted);
  }
  if (err != 0) report("unable to write to logfile '" + path_ + "': " + std::strerror(err));
  return false;
}

ae::Result<void> FileTarget::reopen() {
  int fd = PathTarget::open_for_append(absolute_);
  if (fd < 0) {
    int err = errno;
    report(open_message(path_, err) + " (reopen; still writing to the old file)");
    return ae::Error{open_error(err), open_message(path_, err)};
  }
  std::lock_guard lock(mu_);
  std::swap(fd, fd_);
  ::close(fd);
  return {};
}

ae::Result<std::size_t> reopen_all_files() {
  std::vector<std::shared_ptr<FileTarget>> files;
  {
    FileList& list = file_list();
    std::lock_guard lock(list.mu);
    for (const auto& weak : list.files) {
      if (auto file = weak.lock()) files.push_back(std::move(file));
    }
  }
  std::error_code first;
  std::string first_message;
  for (const auto& file : files) {
    ae::Result<void> reopened = file->reopen();
    if (!reopened && !first) {
      first = reopened.code();
      first_message = "cannot reopen log file '" + file->path() + "': " + first.message();
    }
  }
  if (first) return ae::Error{first, std::move(first_message)};
  return files.size();
}

ae::Result<std::shared_ptr<Target>> make_path_target(std::string path, std::string* absolute) {
  std::string abs = absolute_path(path);
  int fd = PathTarget::open_for_append(abs);
  if (fd < 0) {
    int err = errno;
    return ae::Error{open_error(err), open_message(path, err)};
  }
  ::close(fd);
  if (absolute != nullptr) *absolute = abs;
  return std::shared_ptr<Target>(std::make_shared<PathTarget>(std::move(abs)));
}

int write_all(int fd, std::string_view data) noexcept {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // Someone made the descriptor non-blocking (a shared terminal, a pipe): wait a little
        // for room rather than drop the message, but never hang the logging thread for good.
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, 1000) > 0) continue;
        return EAGAIN;
      }
      return errno;
    }
    if (n == 0) return EIO;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

}  // namespace ae::log_internal
