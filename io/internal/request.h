// Request: one //io operation, split into the work a worker thread runs (the system call) and
// the callback the loop that started it runs (with the work's result). Private to //io.
//
// Ownership: the Request is shared by the pool's queue (while queued), the worker running it,
// the Loop::post()ed delivery and its Channel's list of live requests; the caller's Guard holds a
// weak reference. What the work captured (paths, data, File descriptors) is destroyed on the
// worker right after the work ran, so a File's last reference is usually dropped there; the
// callback and its captures are only ever touched on the loop's thread.
#pragma once

#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "core/function.h"
#include "core/result.h"

namespace ae::io_internal {

class Channel;

class Request {
 public:
  explicit Request(std::shared_ptr<Channel> channel) noexcept : channel_(std::move(channel)) {}
  virtual ~Request() = default;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  // Worker thread (or the loop's, in the sync model): runs the work, keeps its result and
  // destroys what the work captured. Never throws: a failure becomes the result.
  virtual void execute() noexcept = 0;
  // Instead of running the work: the result is this error.
  virtual void fail(std::error_code code, std::string message) noexcept = 0;
  // Loop thread: calls the callback with the result, if the callback is still wanted.
  virtual void complete() = 0;
  // Loop thread: the callback will not be called; its captures are destroyed now.
  virtual void drop_callback() noexcept = 0;

  Channel& channel() const noexcept { return *channel_; }
  const std::shared_ptr<Channel>& channel_ptr() const noexcept { return channel_; }

  // ---- Bookkeeping of the Channel (loop thread only) ----
  bool counted = false;          // included in the channel's outstanding count
  bool in_backlog = false;       // waiting in the channel's backlog
  bool pooled = false;           // handed to the pool (queued or running)
  bool cancelled = false;        // the guard was destroyed before the callback ran
  bool delivered = false;        // complete() was called (or the result dropped)
  Request* live_prev = nullptr;  // the channel's list of requests not yet delivered
  Request* live_next = nullptr;
  std::shared_ptr<Request> live_self;

  // ---- The pool's queue (guarded by the pool's mutex) ----
  enum class PoolState { kNone, kQueued, kRunning };
  PoolState pool_state = PoolState::kNone;
  Request* queue_prev = nullptr;
  Request* queue_next = nullptr;
  std::shared_ptr<Request> queued_self;

 private:
  std::shared_ptr<Channel> channel_;
};

// The failed form of a request's result type R: Result<T>, or a plain std::error_code for
// operations that yield nothing but success.
template <class R>
R failure(std::error_code code, std::string message) {
  if constexpr (std::is_same_v<R, std::error_code>) {
    return code;
  } else {
    return R(code, std::move(message));
  }
}

// A request whose work returns R and whose callback takes R.
template <class R>
class Op final : public Request {
 public:
  Op(std::shared_ptr<Channel> channel, Function<R()> work, Function<void(R)> cb) noexcept
      : Request(std::move(channel)), work_(std::move(work)), cb_(std::move(cb)) {}

  void execute() noexcept override {
    try {
      result_.emplace(work_());
    } catch (const std::bad_alloc&) {
      result_.emplace(
          failure<R>(std::make_error_code(std::errc::not_enough_memory), "out of memory"));
    } catch (const std::exception& e) {
      result_.emplace(failure<R>(std::make_error_code(std::errc::io_error), e.what()));
    }
    work_ = nullptr;
  }

  void fail(std::error_code code, std::string message) noexcept override {
    result_.emplace(failure<R>(code, std::move(message)));
    work_ = nullptr;
  }

  void complete() override {
    if (!cb_ || !result_) {
      result_.reset();  // a dropped result (an opened File, say) goes at once
      return;
    }
    Function<void(R)> cb = std::move(cb_);
    cb_ = nullptr;
    R result = std::move(*result_);
    result_.reset();
    cb(std::move(result));
  }

  void drop_callback() noexcept override { cb_ = nullptr; }

 private:
  Function<R()> work_;
  Function<void(R)> cb_;
  std::optional<R> result_;
};

}  // namespace ae::io_internal
