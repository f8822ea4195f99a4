#include "tests/support/manual_backend.h"

#include <poll.h>

#include <cerrno>
#include <chrono>

#include "core/loop.h"

namespace ae::testing {

ManualBackend::ManualBackend()
    // A monotonic start far from zero, so that a test never sees arithmetic near the epoch.
    : steady_(std::chrono::hours(1000)), wall_(ae::time()) {}

void ManualBackend::advance(Seconds d) noexcept {
  if (d <= Seconds::zero()) return;
  steady_ += std::chrono::duration_cast<std::chrono::nanoseconds>(d);
  wall_ += d.count();
}

void ManualBackend::jump_wall_clock(Seconds d) noexcept { wall_ += d.count(); }

void ManualBackend::attach(BackendHost& host, int poll_fd) {
  host_ = &host;
  poll_fd_ = poll_fd;
}

bool ManualBackend::readable(int timeout_ms) const {
  if (!poll_armed_ || poll_fd_ < 0) return false;
  pollfd p{poll_fd_, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

bool ManualBackend::due() const {
  return now_requested_ || (deadline_ && *deadline_ <= steady_) || readable(0);
}

void ManualBackend::run_once(bool block) {
  if (host_ == nullptr) return;
  if (!due() && block) {
    if (deadline_) {
      // Idle with a timer pending: the time until it passes at once.
      advance(*deadline_ - steady_);
    } else {
      readable(-1);  // only events can wake the loop; wait for one
    }
  }
  if (!due()) return;
  now_requested_ = false;
  host_->dispatch();
}

}  // namespace ae::testing
