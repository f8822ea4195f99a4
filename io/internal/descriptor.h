// Descriptor: a file descriptor shared by a File and the requests using it. Private to //io.
#pragma once

#include <memory>

#include "io/internal/request.h"

namespace ae::io_internal {

class Descriptor {
 public:
  explicit Descriptor(int fd) noexcept : fd_(fd) {}
  // Closes the descriptor, and hands close()'s result to the aio_close request if there is one.
  ~Descriptor();
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;

  int fd() const noexcept { return fd_; }

  // aio_close: `closer` gets close()'s result when the last reference goes. Loop thread, while
  // the caller still holds a reference (so that the destructor, on whichever thread runs it,
  // sees the closer).
  void close_with(std::shared_ptr<Request> closer) noexcept { closer_ = std::move(closer); }

 private:
  int fd_;
  std::shared_ptr<Request> closer_;
};

}  // namespace ae::io_internal
