// ae::testing::ManualBackend: a backend whose clock only the test moves.
//
// Timers on a loop made with it fire when the test advances the clock (advance()), or when the
// loop would otherwise block with nothing but timers to wait for: then the clock jumps straight to
// the earliest deadline, as if the loop had slept until it. Real time never makes a timer fire, so
// a test of timeouts neither waits for them nor races a busy machine, and ae::now() reads the
// manual clock. Io, signal and child watchers, postpone() and Loop::post() work as on any backend:
// the loop's epoll set is polled for real, without waiting for time.
//
// Use it for tests whose peers are in the test itself (a socketpair written synchronously, a fake
// filter). A real peer process answers in real time, which the manual clock does not wait for.
//
// Example:
//   ae::testing::TestLoop loop("manual");
//   bool fired = false;
//   ae::Timer t = ae::timer(30s, [&] { fired = true; });
//   loop.advance(29s);   // nothing is due yet
//   EXPECT_FALSE(fired);
//   loop.advance(1s);    // runs the timer
//   EXPECT_TRUE(fired);
//
// Thread safety: used on the loop's thread only, like every backend.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "core/backend.h"
#include "core/watchers.h"

namespace ae::testing {

class ManualBackend final : public Backend {
 public:
  // The clock starts at the system's wall-clock time (for ae::now()) and an arbitrary monotonic
  // time, and moves only through advance() and the jumps described above.
  ManualBackend();

  // Moves the clock forward by `d` (negative or zero: no change). Does not run anything itself;
  // the next loop iteration finds the timers that became due.
  void advance(Seconds d) noexcept;
  // Moves only the wall clock (ae::now(), ae::periodic's clock) by `d`, either way, as when the
  // system's clock is set; the monotonic clock stays. Like the system's clock, it wakes nothing:
  // the loop sees the new time at its next iteration.
  void jump_wall_clock(Seconds d) noexcept;
  // True when a loop iteration would run something now: a requested dispatch, a due deadline, or
  // a ready event on the loop's epoll set.
  bool due() const;

  std::string_view name() const noexcept override { return "manual"; }
  bool edge_triggered() const noexcept override { return false; }
  void attach(BackendHost& host, int poll_fd) override;
  void arm_poll() override { poll_armed_ = true; }
  void disarm_poll() override { poll_armed_ = false; }
  void set_deadline(std::optional<TimePoint> deadline) override { deadline_ = deadline; }
  void schedule_now() override { now_requested_ = true; }
  void run_once(bool block) override;
  void detach() noexcept override { host_ = nullptr; }
  TimePoint steady_now() const noexcept override { return steady_; }
  double wall_now() const noexcept override { return wall_; }

 private:
  bool readable(int timeout_ms) const;

  BackendHost* host_ = nullptr;
  int poll_fd_ = -1;
  bool poll_armed_ = false;
  bool now_requested_ = false;
  std::optional<TimePoint> deadline_;
  TimePoint steady_;
  double wall_ = 0;
};

}  // namespace ae::testing
