#include "core/backend/uv/uv.h"

#include <poll.h>
#include <uv.h>

#include <algorithm>

#include <cmath>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "core/backend/kept_exception.h"
#include "core/log_hook.h"
#include "core/loop.h"

namespace ae {
namespace {

class UvBackend final : public Backend {
 public:
  UvBackend(uv_loop_t* loop, bool owned) : loop_(loop), owned_(owned) {}

  ~UvBackend() override {
    detach();
    if (owned_) {
      // Let the close callbacks run, then free the loop.
      uv_run(loop_, UV_RUN_NOWAIT);
      uv_loop_close(loop_);
      delete loop_;
    }
  }

  std::string_view name() const noexcept override { return "uv"; }
  // libuv polls level-triggered: the epoll fd stays readable while events are waiting.
  bool edge_triggered() const noexcept override { return false; }
  uv_loop_t* loop() const noexcept { return loop_; }

  void attach(BackendHost& host, int poll_fd) override {
    // Only handles libuv initialised may be closed, and a failed attach leaves none behind.
    auto poll = std::make_unique<uv_poll_t>();
    auto timer = std::make_unique<uv_timer_t>();
    auto idle = std::make_unique<uv_idle_t>();
    int rc = uv_poll_init(loop_, poll.get(), poll_fd);
    if (rc != 0) throw std::runtime_error(std::string("ae: uv_poll_init: ") + uv_strerror(rc));
    if (rc = uv_timer_init(loop_, timer.get()); rc == 0) {
      if (rc = uv_idle_init(loop_, idle.get()); rc != 0) close_handle(timer.release());
    }
    if (rc != 0) {
      close_handle(poll.release());
      throw std::runtime_error(std::string("ae: libuv: ") + uv_strerror(rc));
    }
    poll_ = poll.release();
    timer_ = timer.release();
    idle_ = idle.release();
    poll_->data = timer_->data = idle_->data = this;
    poll_fd_ = poll_fd;
    host_ = &host;
  }

  void arm_poll() override {
    if (poll_active_) return;
    poll_active_ = true;
    uv_poll_start(poll_, UV_READABLE,
                  [](uv_poll_t* p, int, int) { static_cast<UvBackend*>(p->data)->dispatch(); });
  }

  void disarm_poll() override {
    if (!poll_active_) return;
    poll_active_ = false;
    uv_poll_stop(poll_);
  }

  void set_deadline(std::optional<TimePoint> deadline) override {
    if (!deadline) {
      if (timer_armed_) {
        timer_armed_ = false;
        uv_timer_stop(timer_);
      }
      return;
    }
    // An earlier armed deadline just causes one early dispatch, which re-arms.
    if (timer_armed_ && timer_deadline_ <= *deadline) return;
    auto left = *deadline - std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(left).count();
    if (ms <= 0) {
      // Due already. libuv 1.44 runs a timer restarted with timeout 0 from a timer callback
      // again in the same pass (its clock is not refreshed there), which would never end.
      schedule_now();
      return;
    }
    timer_armed_ = true;
    timer_deadline_ = *deadline;
    // libuv counts whole milliseconds from its cached loop time; round up so the timer does not
    // fire before the deadline (an early wakeup would only re-arm, but costs an iteration).
    auto timeout = static_cast<std::uint64_t>(std::ceil(ms));
    uv_timer_start(
        timer_,
        [](uv_timer_t* t) {
          auto* self = static_cast<UvBackend*>(t->data);
          self->timer_armed_ = false;
          self->dispatch();
        },
        timeout, 0);
  }

  // uv_unref on ae's handles: libuv serves them while anything else keeps uv_run() going.
  bool set_referenced(bool referenced) noexcept override {
    if (referenced != referenced_) {
      referenced_ = referenced;
      for (auto* h : {reinterpret_cast<uv_handle_t*>(poll_), reinterpret_cast<uv_handle_t*>(timer_),
                      reinterpret_cast<uv_handle_t*>(idle_)}) {
        referenced ? uv_ref(h) : uv_unref(h);
      }
    }
    return true;
  }

  void schedule_now() override {
    if (idle_active_) return;
    idle_active_ = true;
    // An active idle handle makes uv_run poll without blocking, then runs this once.
    uv_idle_start(idle_, [](uv_idle_t* i) {
      auto* self = static_cast<UvBackend*>(i->data);
      self->idle_active_ = false;
      uv_idle_stop(i);
      self->dispatch();
    });
  }

  void run_once(bool block) override {
    if (dispatching_ > 0) return run_nested(block);
    uv_run(loop_, block ? UV_RUN_ONCE : UV_RUN_NOWAIT);
    rethrow_pending();
  }

  // uv_run() must not be called from inside a uv callback, which is where a CondVar::recv() in an
  // ae callback would call it. Wait for ae's own epoll fd or deadline here instead, and dispatch.
  void run_nested(bool block) {
    int timeout = 0;
    if (block && !idle_active_) {
      timeout = -1;
      if (timer_armed_) {
        auto left = timer_deadline_ - std::chrono::steady_clock::now();
        double ms = std::chrono::duration<double, std::milli>(left).count();
        timeout = ms <= 0 ? 0 : static_cast<int>(std::min(std::ceil(ms), 3.6e6));
      }
    }
    pollfd p{poll_fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, timeout);
    (void)ready;  // readable, timed out or interrupted: a dispatch sorts out which
    idle_active_ = false;
    uv_idle_stop(idle_);
    timer_armed_ = false;
    uv_timer_stop(timer_);
    host_->dispatch();
  }

  void rethrow_pending() { kept_.rethrow(); }

  void after_fork() noexcept override {
    if (int rc = uv_loop_fork(loop_); rc != 0) {
      core_log(LogLevel::kCritical, "ae::core",
               std::string("uv_loop_fork failed in a forked child: ") + uv_strerror(rc));
    }
  }

  void detach() noexcept override {
    if (host_ == nullptr) return;
    host_ = nullptr;
    close_handle(poll_);
    close_handle(timer_);
    close_handle(idle_);
    kept_.report();
  }

 private:
  // Closes an initialised handle; its memory goes in the close callback (the loop's next round).
  template <class Handle>
  static void close_handle(Handle* handle) noexcept {
    uv_close(reinterpret_cast<uv_handle_t*>(handle),
             [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
  }

  // libuv is C: exceptions must not unwind through uv_run(). Keep it and stop the loop.
  void dispatch() noexcept {
    if (host_ == nullptr) return;
    struct Depth {
      int& d;
      explicit Depth(int& depth) : d(depth) { ++d; }
      ~Depth() { --d; }
    } depth(dispatching_);
    try {
      host_->dispatch();
    } catch (...) {
      kept_.keep();
      uv_stop(loop_);
    }
  }

  uv_loop_t* loop_;
  bool owned_;
  BackendHost* host_ = nullptr;
  int poll_fd_ = -1;
  int dispatching_ = 0;  // nesting depth of dispatch() (a CondVar::recv inside a callback)
  uv_poll_t* poll_ = nullptr;
  uv_timer_t* timer_ = nullptr;
  uv_idle_t* idle_ = nullptr;
  bool poll_active_ = false;
  bool idle_active_ = false;
  bool timer_armed_ = false;
  bool referenced_ = true;  // ae's handles are uv_ref'd
  TimePoint timer_deadline_{};
  backend_internal::KeptException kept_;
};

const bool kRegistered = [] {
  register_backend("uv", &make_uv_backend);
  return true;
}();

}  // namespace

std::unique_ptr<Backend> make_uv_backend() {
  auto* loop = new uv_loop_t;
  if (int rc = uv_loop_init(loop); rc != 0) {
    delete loop;
    throw std::runtime_error(std::string("ae: uv_loop_init: ") + uv_strerror(rc));
  }
  return std::make_unique<UvBackend>(loop, true);
}

std::unique_ptr<Backend> borrow_uv(uv_loop_s* loop) {
  return std::make_unique<UvBackend>(loop, false);
}

uv_loop_s* uv_loop(Loop& loop) noexcept {
  if (auto* b = dynamic_cast<UvBackend*>(&loop.backend())) return b->loop();
  return nullptr;
}

void uv_rethrow_pending(Loop& loop) {
  if (auto* b = dynamic_cast<UvBackend*>(&loop.backend())) b->rethrow_pending();
}

}  // namespace ae
