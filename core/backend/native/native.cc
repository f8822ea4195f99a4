#include "core/backend/native/native.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

namespace ae {
namespace {

class NativeBackend final : public Backend {
 public:
  std::string_view name() const noexcept override { return "native"; }
  // ae's own epoll set is level-triggered.
  bool edge_triggered() const noexcept override { return false; }

  void attach(BackendHost& host, int /*poll_fd*/) override { host_ = &host; }
  void arm_poll() override { poll_armed_ = true; }
  void disarm_poll() override { poll_armed_ = false; }
  void set_deadline(std::optional<TimePoint> deadline) override { deadline_ = deadline; }
  void schedule_now() override { now_ = true; }
  void detach() noexcept override { host_ = nullptr; }

  void run_once(bool block) override {
    if (host_ == nullptr) return;
    int timeout = 0;
    if (block && !now_) timeout = deadline_ ? milliseconds_until(*deadline_) : poll_armed_ ? -1 : 0;
    now_ = false;
    // A dispatch with nothing ready costs one empty poll; it re-arms what the loop still wants.
    host_->wait_and_dispatch(timeout);
  }

 private:
  // epoll_wait counts whole milliseconds: round up, so that the wait does not end before the
  // deadline (an early end costs an iteration that finds nothing due).
  static int milliseconds_until(TimePoint deadline) noexcept {
    double ms =
        std::chrono::duration<double, std::milli>(deadline - std::chrono::steady_clock::now())
            .count();
    if (ms <= 0) return 0;
    return static_cast<int>(std::min(std::ceil(ms), 3.6e6));  // at most an hour, then look again
  }

  BackendHost* host_ = nullptr;
  std::optional<TimePoint> deadline_;
  bool poll_armed_ = false;
  bool now_ = false;
};

const bool kRegistered = [] {
  register_backend("native", &make_native_backend);
  return true;
}();

}  // namespace

std::unique_ptr<Backend> make_native_backend() { return std::make_unique<NativeBackend>(); }

}  // namespace ae
