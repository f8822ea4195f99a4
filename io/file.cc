#include "io/file.h"

#include <errno.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>

#include "io/internal/channel.h"
#include "io/internal/descriptor.h"

namespace ae::fs {

File::File(int fd) {
  if (fd < 0) throw std::invalid_argument("ae::fs::File: negative file descriptor");
  desc_ = std::make_shared<io_internal::Descriptor>(fd);
}

int File::fd() const noexcept { return desc_ != nullptr ? desc_->fd() : -1; }

}  // namespace ae::fs

namespace ae::io_internal {

Descriptor::~Descriptor() {
  // Linux releases the descriptor even when close() fails with EINTR, so it is never retried;
  // EINTR means "closed" here.
  int error = ::close(fd_) == 0 || errno == EINTR ? 0 : errno;
  if (closer_) {
    closer_->fail(std::error_code(error, std::generic_category()),
                  error != 0 ? std::system_category().message(error) : std::string());
    Channel::finished(std::move(closer_));
  }
}

}  // namespace ae::io_internal
