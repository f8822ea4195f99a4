// The debug shell's listening socket, made with plain system calls (//debug may use core only,
// not //socket). Private to //debug.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace ae::debug_internal {

// A listening, non-blocking, close-on-exec socket; closes it (and removes a unix socket's path)
// when destroyed.
class ShellListener {
 public:
  ShellListener() noexcept = default;
  ShellListener(ShellListener&& other) noexcept;
  ShellListener& operator=(ShellListener&& other) noexcept;
  ~ShellListener();

  int fd() const noexcept { return fd_; }
  // "unix/:PATH" or "HOST:PORT" with the port the kernel picked.
  const std::string& address() const noexcept { return address_; }

  // Listens on "unix/PATH" (mode 0600; a stale socket at PATH is replaced, any other file is
  // not) or a numeric "HOST:PORT" / "[V6]:PORT" ("localhost" is 127.0.0.1). Every "$$" is
  // replaced by the process id first.
  // Errors: see ae::debug::shell() in debug/shell.h.
  static Result<ShellListener> listen(std::string_view address, bool allow_remote);

 private:
  void close() noexcept;
  int fd_ = -1;
  std::string address_;
  std::string unix_path_;  // removed when closed
};

}  // namespace ae::debug_internal
