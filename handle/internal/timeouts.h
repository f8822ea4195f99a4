// Timeouts: a Handle's inactivity timeouts (timeout, rtimeout, wtimeout) and the deadline for the
// peer's answer to a filter close, on one timer. Private to //handle.
//
// Activity is only recorded (a store per read or write); the timer is armed for the earliest
// deadline when a setting changes, and when it fires early (activity moved the deadline on) the
// owner arms it again, as AnyEvent::Handle does it lazily. So a busy connection costs no timer
// work per read or write.
//
// Example (the owner's side, as HandleImpl does it):
//   Timeouts t(loop, [&] { on_due(); });
//   t.set_period(Timeouts::kRead, 30);
//   t.start();                  // connected: every kind counts from now
//   t.arm(false);
//   ... t.read();               // on each read
//   void on_due() {
//     for (Timeouts::Kind k : Timeouts::kKinds) if (t.take_due(k)) report(k);
//     if (t.close_overdue(awaiting_close)) fail();
//     else t.arm(awaiting_close);
//   }
//
// Times are the loop's (Loop::now()); start(), reset() and close_started() refresh it first, so
// that a deadline armed inside a slow callback counts from when it was armed, not from when the
// loop iteration began.
// Thread safety: the loop's thread only, like the Handle.
#pragma once

#include "core/function.h"
#include "core/loop.h"
#include "core/watchers.h"

namespace ae::handle_internal {

class Timeouts {
 public:
  enum Kind { kAny = 0, kRead = 1, kWrite = 2 };
  static constexpr Kind kKinds[] = {kAny, kRead, kWrite};

  // `on_due` runs from the loop each time the timer fires.
  Timeouts(Loop& loop, Function<void()> on_due);
  Timeouts(const Timeouts&) = delete;
  Timeouts& operator=(const Timeouts&) = delete;

  // The option's name in messages: "timeout", "rtimeout", "wtimeout".
  static const char* name(Kind kind) noexcept;
  // Errors: std::invalid_argument for a negative or NaN value.
  static void check(double seconds);

  // A period in seconds, 0 for off. Takes effect at the next arm().
  // Errors: check()'s.
  void set_period(Kind kind, double seconds);
  double period(Kind kind) const noexcept { return period_[kind]; }
  // How long to wait for the peer's answer to our filter close, counted from the later of the
  // close and the last read; 0: as long as it takes. Takes effect at the next arm().
  // Errors: check()'s.
  void set_close_timeout(double seconds);
  double close_timeout() const noexcept { return close_timeout_; }

  // Every kind was active now (a fresh time): the connection is there.
  void start() noexcept;
  // `kind` was active now (a fresh time): AnyEvent's timeout_reset.
  void reset(Kind kind) noexcept;
  // A read or a write happened (at the loop's time).
  void read() noexcept;
  void wrote() noexcept;
  // Our filter close went out now (a fresh time).
  void close_started() noexcept;

  // Arms the timer for the earliest deadline, or stops it when there is none. `awaiting_close`:
  // the close deadline counts (a filter close went out and its answer has not come).
  void arm(bool awaiting_close);
  // Stops the timer (it keeps its watcher).
  void disarm() noexcept;
  // Frees the timer's watcher (the Handle is destroyed).
  void drop() noexcept { timer_.reset(); }

  // For on_due: true when `kind`'s period has passed; `kind` then counts as active now, so that
  // without activity it is due again a period later.
  bool take_due(Kind kind) noexcept;
  // For on_due: true when the close deadline has passed.
  bool close_overdue(bool awaiting_close) const noexcept;

 private:
  double fresh_now() noexcept;
  double close_deadline(bool awaiting_close) const noexcept;  // infinity when there is none

  Loop& loop_;
  Function<void()> on_due_;
  Timer timer_;
  double period_[3] = {0, 0, 0};
  double activity_[3] = {0, 0, 0};  // the last activity of each kind
  double close_timeout_ = 30;
  double close_started_ = 0;
};

}  // namespace ae::handle_internal
