#include "core/backend/ev/ev.h"

#include <ev.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "core/backend/kept_exception.h"
#include "core/loop.h"

namespace ae {
namespace {

class EvBackend final : public Backend {
 public:
  EvBackend(struct ev_loop* loop, bool owned) : loop_(loop), owned_(owned) {}

  ~EvBackend() override {
    detach();
    if (owned_) ev_loop_destroy(loop_);
  }

  std::string_view name() const noexcept override { return "ev"; }
  // libev polls level-triggered (its epoll backend too).
  bool edge_triggered() const noexcept override { return false; }
  struct ev_loop* loop() const noexcept {
    return loop_;
  }

  void attach(BackendHost& host, int poll_fd) override {
    ev_io_init(
        &poll_,
        [](struct ev_loop*, ev_io* w, int) noexcept {
          static_cast<EvBackend*>(w->data)->dispatch();
        },
        poll_fd, EV_READ);
    ev_timer_init(
        &timer_,
        [](struct ev_loop*, ev_timer* w, int) noexcept {
          static_cast<EvBackend*>(w->data)->dispatch();
        },
        0., 0.);
    // An active idle watcher keeps ev_run() from blocking; at the highest priority, the program's
    // own busy watchers cannot starve it (libev runs idle watchers only when nothing of the same
    // or a higher priority is pending).
    ev_idle_init(&idle_, [](struct ev_loop* loop, ev_idle* w, int) noexcept {
      ev_idle_stop(loop, w);
      static_cast<EvBackend*>(w->data)->dispatch();
    });
    ev_set_priority(&idle_, EV_MAXPRI);
    poll_.data = timer_.data = idle_.data = this;
    host_ = &host;
  }

  void arm_poll() override {
    if (!ev_is_active(&poll_)) ev_io_start(loop_, &poll_);
  }

  void disarm_poll() override { ev_io_stop(loop_, &poll_); }

  void set_deadline(std::optional<TimePoint> deadline) override {
    if (!deadline) {
      ev_timer_stop(loop_, &timer_);
      return;
    }
    // An earlier armed deadline just causes one early dispatch, which re-arms.
    if (ev_is_active(&timer_) && timer_deadline_ <= *deadline) return;
    ev_timer_stop(loop_, &timer_);
    timer_deadline_ = *deadline;
    // libev counts from its cached time (ev_now), which may lag behind the clock: add the lag, so
    // that the timer does not fire early (an early dispatch costs an iteration finding nothing).
    double after =
        std::chrono::duration<double>(*deadline - std::chrono::steady_clock::now()).count() +
        (ev_time() - ev_now(loop_));
    ev_timer_set(&timer_, std::max(after, 0.), 0.);
    ev_timer_start(loop_, &timer_);
  }

  void schedule_now() override {
    if (!ev_is_active(&idle_)) ev_idle_start(loop_, &idle_);
  }

  void run_once(bool block) override {
    ev_run(loop_, block ? EVRUN_ONCE : EVRUN_NOWAIT);
    kept_.rethrow();
  }

  void rethrow_pending() { kept_.rethrow(); }

  void after_fork() noexcept override { ev_loop_fork(loop_); }

  void detach() noexcept override {
    if (host_ == nullptr) return;
    host_ = nullptr;
    ev_io_stop(loop_, &poll_);
    ev_timer_stop(loop_, &timer_);
    ev_idle_stop(loop_, &idle_);
    kept_.report();
  }

 private:
  // libev is C: exceptions must not unwind through ev_run(). Keep it and leave ev_run().
  void dispatch() noexcept {
    if (host_ == nullptr) return;
    try {
      host_->dispatch();
    } catch (...) {
      kept_.keep();
      ev_break(loop_, EVBREAK_ONE);
    }
  }

  struct ev_loop* loop_;
  bool owned_;
  BackendHost* host_ = nullptr;
  ev_io poll_{};
  ev_timer timer_{};
  ev_idle idle_{};
  TimePoint timer_deadline_{};
  backend_internal::KeptException kept_;
};

const bool kRegistered = [] {
  register_backend("ev", &make_ev_backend);
  return true;
}();

}  // namespace

std::unique_ptr<Backend> make_ev_backend() {
  struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  if (loop == nullptr) throw std::runtime_error("ae: ev_loop_new failed");
  return std::make_unique<EvBackend>(loop, true);
}

std::unique_ptr<Backend> borrow_ev(struct ev_loop* loop) {
  return std::make_unique<EvBackend>(loop, false);
}

struct ev_loop* ev_loop_of(Loop& loop) noexcept {
  if (auto* b = dynamic_cast<EvBackend*>(&loop.backend())) return b->loop();
  return nullptr;
}

void ev_rethrow_pending(Loop& loop) {
  if (auto* b = dynamic_cast<EvBackend*>(&loop.backend())) b->rethrow_pending();
}

}  // namespace ae
