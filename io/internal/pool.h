// Pool: the process's worker threads for //io requests. Private to //io.
//
// A small, bounded set of threads (AE_IO_THREADS, 4 by default, at most 64), started on demand
// as requests arrive, sharing one FIFO queue. Each Channel keeps at most kPerLoopQueued of its
// requests here (the rest wait in its own backlog), so the queue is bounded by that many per
// loop, and one loop cannot starve another.
//
// Lifetime: made on first use and never destroyed. At normal program exit the workers finish the
// requests they are running (AnyEvent::IO finishes started requests at a clean exit), queued ones
// are dropped, and the workers are joined. In a child made by fork() the pool starts empty (the
// parent's queue and threads are not the child's).
// Thread safety: every member may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "io/internal/request.h"

namespace ae::io_internal {

class Pool {
 public:
  // Requests one loop may have in the queue at once.
  static constexpr std::size_t kPerLoopQueued = 256;
  static constexpr std::size_t kDefaultThreads = 4;
  static constexpr std::size_t kMaxThreads = 64;

  static Pool& instance();

  // Queues `r` and makes sure a worker will take it (starting one if none is idle and the limit
  // allows). Returns false when no worker exists and none could be started (then `r` is not
  // queued); the error is in `error`.
  bool submit(std::shared_ptr<Request> r, std::error_code& error) noexcept;
  // Takes `r` off the queue if it is still there (then it never runs) and returns true; false
  // when a worker took it already.
  bool cancel(Request& r) noexcept;

  // The thread limit in effect.
  std::size_t max_threads() const noexcept { return max_threads_; }
  // Workers started so far (tests use it to check the bound).
  std::size_t threads() noexcept;

 private:
  Pool();
  void work() noexcept;
  void stop() noexcept;
  static void fork_prepare() noexcept;
  static void fork_parent() noexcept;
  static void fork_child() noexcept;

  std::mutex mutex_;
  std::condition_variable wake_;
  Request* head_ = nullptr;  // FIFO of queued requests, linked through queue_prev/queue_next
  Request* tail_ = nullptr;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  std::size_t max_threads_;
  bool stopping_ = false;
};

}  // namespace ae::io_internal
