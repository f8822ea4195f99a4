// ae::UniqueFd: a file descriptor with a single owner, closed when the owner goes.
//
// Where a descriptor changes hands (a connected socket, a listener, a pipe end), the type says
// who must close it: whoever holds the UniqueFd. release() hands it on as a plain int, for calls
// that take ownership of an int (ae::Handle, ae::fs::File).
//
// Example:
//   ae::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
//   if (!fd) return std::puts("socket() failed"), 1;
//   ::shutdown(fd.get(), SHUT_RDWR);  // still owned: closed at the end of the scope
//
// Thread safety: like an int; one thread at a time.
#pragma once

#include <unistd.h>

#include <utility>

namespace ae {

class UniqueFd {
 public:
  // No descriptor.
  UniqueFd() noexcept = default;
  // Takes ownership of `fd` (-1: none).
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  // The descriptor, still owned; -1 when there is none.
  int get() const noexcept { return fd_; }
  // True while a descriptor is held.
  explicit operator bool() const noexcept { return fd_ >= 0; }

  // Gives up ownership without closing and returns the descriptor (-1 when there was none).
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the descriptor held (if any) and takes `fd`. close(2)'s result is not reported: the
  // descriptor is gone either way, and a caller who needs the result closes release()'s fd.
  void reset(int fd = -1) noexcept {
    const int old = std::exchange(fd_, fd);
    if (old >= 0) ::close(old);
  }

 private:
  int fd_ = -1;
};

}  // namespace ae
