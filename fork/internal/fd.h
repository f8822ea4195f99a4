// File-descriptor plumbing shared by //fork: an owning fd, close-on-exec pipes and socketpairs,
// and sending or receiving fds with SCM_RIGHTS. Private to //fork.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace ae::fork_internal {

// Owns one fd; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept;
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A connected AF_UNIX stream pair, both ends close-on-exec and blocking.
// Errors: std::system_error.
std::pair<UniqueFd, UniqueFd> socket_pair();
// A pipe {read end, write end}, both close-on-exec and blocking. Errors: std::system_error.
std::pair<UniqueFd, UniqueFd> make_pipe();
// dup() with close-on-exec. Errors: std::system_error (EBADF for a closed fd).
UniqueFd dup_cloexec(int fd);

void set_nonblocking(int fd, bool on);
void set_cloexec(int fd, bool on);

// Writes all of `bytes` (blocking; retries EINTR), the fds riding on the first byte.
// Returns false on error (errno set). Never raises SIGPIPE.
bool send_all(int fd, std::string_view bytes, std::span<const int> fds = {});
// Writes all of `bytes` with write(2) (for pipes and ssh's stdio). Returns false on error.
bool write_all(int fd, std::string_view bytes);

// A blocking reader for the child side of the fork protocols: buffered reads with recvmsg,
// keeping received fds in arrival order.
class BlockingReader {
 public:
  // Without `read_ahead`, it never reads past the bytes asked for, so whoever reads the fd next
  // (a child function after the serve loop) misses nothing.
  BlockingReader(int fd, bool is_socket, bool read_ahead)
      : fd_(fd), is_socket_(is_socket), read_ahead_(read_ahead) {}
  ~BlockingReader();
  // Reads exactly n bytes into `out`. Returns false on EOF or error before that.
  bool read_exact(std::size_t n, std::string& out);
  // The oldest received fd not yet taken, or -1.
  int take_fd();
  // Closes received fds nobody took.
  void close_fds() noexcept;

 private:
  bool fill(std::size_t want);
  int fd_;
  bool is_socket_;
  bool read_ahead_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::deque<int> fds_;
};

// Closes every fd of this process except those listed (AnyEvent::Util::close_all_fds_except).
void close_fds_except(std::span<const int> keep) noexcept;

}  // namespace ae::fork_internal
