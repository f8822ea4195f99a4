// Channel: one loop's side of //io. Private to //io.
//
// It starts the loop's requests (on the pool, or inline in the sync model), keeps the loop
// running while any is outstanding, and delivers their results on the loop: a worker hands a
// finished request to finished(), which Loop::post()s its delivery to the loop, or drops it when
// the loop is gone. A per-loop service (LoopIo) owns the channel and tells it when the loop goes.
//
// Thread safety: finished() from any thread; everything else on the loop's thread.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include "core/loop.h"
#include "core/watchers.h"
#include "io/internal/request.h"

namespace ae::io_internal {

// How a loop runs its requests: on the worker pool, or synchronously on the loop's thread
// (AnyEvent::IO's pure-Perl backend), chosen by AE_IO_MODEL.
enum class Model { kPool, kSync };

// AE_IO_MODEL's model: "sync" (or AnyEvent's "Perl") or "pool" (or "IOAIO"); unset or empty is
// "pool". An unknown value is reported through the log hook and means "pool".
Model model_from_env();

class Channel {
 public:
  Channel(Loop& loop, Model model) noexcept : loop_(&loop), model_(model) {}
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  ~Channel();

  // The channel of the current loop (made with its LoopIo service on first use).
  static const std::shared_ptr<Channel>& current();

  Model model() const noexcept { return model_; }
  Loop* loop() const noexcept { return loop_; }

  // Starts `r`: the sync model runs its work now and delivers from postpone(); the pool model
  // queues it (or keeps it in the backlog while this loop has kPerLoopQueued in the pool).
  void submit(std::shared_ptr<Request> r);
  // Delivers `code` (with `message`) to `r`'s callback from postpone(), without running its
  // work: for requests whose arguments are refused before anything starts.
  void reject(std::shared_ptr<Request> r, std::error_code code, std::string message);
  // Counts `r` as outstanding without starting it: aio_close's request, finished by the
  // descriptor it closes.
  void hold(const std::shared_ptr<Request>& r);
  // The caller's guard went: the callback never runs. A request still waiting is dropped
  // without running; a running one finishes and its result is dropped.
  void cancel(Request& r) noexcept;
  // Any thread: `r`'s work is done (or failed); delivers it on the loop.
  static void finished(std::shared_ptr<Request> r) noexcept;
  // The loop is going: no further deliveries, every callback still waiting is dropped.
  void shutdown() noexcept;

  // Requests started and not yet delivered or cancelled.
  std::size_t outstanding() const noexcept { return outstanding_; }

 private:
  void deliver(Request& r);
  void uncount(Request& r) noexcept;
  void link_live(std::shared_ptr<Request> r) noexcept;
  void unlink_live(Request& r) noexcept;
  void feed() noexcept;
  void start_on_pool(std::shared_ptr<Request> r) noexcept;

  std::mutex mutex_;  // guards loop_ against the loop going while a worker posts to it
  Loop* loop_;
  const Model model_;

  std::deque<std::shared_ptr<Request>> backlog_;
  std::size_t in_pool_ = 0;      // handed to the pool and not yet delivered or cancelled
  std::size_t outstanding_ = 0;  // counted requests
  Request* live_ = nullptr;      // requests not yet delivered
  // Keeps the loop's run() going while requests are outstanding, as libuv's pending fs requests
  // do: a timer that never fires in practice, held only while outstanding_ > 0.
  Timer keep_alive_;
};

}  // namespace ae::io_internal
