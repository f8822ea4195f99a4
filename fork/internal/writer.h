// The parent side's non-blocking write queue for a control socket: frames, some carrying fds,
// written in order with an io watcher while the socket is full. Private to //fork.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <system_error>
#include <vector>

#include "core/function.h"
#include "core/loop.h"
#include "fork/internal/fd.h"

namespace ae::fork_internal {

class Writer {
 public:
  // `fd` must be non-blocking; it is not owned. A non-socket (a pipe) is written with write(2)
  // and cannot carry fds.
  Writer(Loop& loop, int fd, bool is_socket = true)
      : loop_(&loop), fd_(fd), is_socket_(is_socket) {}

  // Queues `bytes`; `fds` (owned here until sent) ride on the first byte.
  void push(std::string bytes, std::vector<UniqueFd> fds = {});
  // Runs `cb` once everything queued so far has been written (from the loop; never inside this
  // call), or with the error if writing failed. Exactly one pending callback at a time.
  void on_flushed(Function<void(std::error_code)> cb);
  bool empty() const noexcept { return queue_.empty(); }
  std::size_t queued_bytes() const noexcept { return queued_bytes_; }
  // The first write error, if any; nothing more is written after it.
  std::error_code error() const noexcept { return error_; }

 private:
  struct Chunk {
    std::string bytes;
    std::size_t off = 0;
    std::vector<UniqueFd> fds;
  };
  void flush();
  void finish_if_flushed();

  Loop* loop_;
  int fd_;
  bool is_socket_;
  std::deque<Chunk> queue_;
  std::size_t queued_bytes_ = 0;
  Io watcher_;
  std::error_code error_;
  Function<void(std::error_code)> flushed_cb_;
  bool flush_posted_ = false;
};

}  // namespace ae::fork_internal
