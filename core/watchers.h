// The watcher handles: ae::Io, ae::Timer, ae::Periodic, ae::Signal, ae::Child, ae::Idle,
// ae::Prepare, ae::Check.
//
// A watcher is active from creation until its handle is destroyed (AnyEvent's `undef $w`).
// Handles are move-only RAII values returned by the factories in core/loop.h; destroying one
// cancels it, and that is safe anywhere, including inside its own callback or another watcher's:
// no callback ever runs after its watcher is gone.
//
// Example:
//   ae::Timer t = ae::timer(0.5s, [] { std::puts("half a second later"); });
//   t.reset();  // cancelled; the callback will not run
//
// Thread safety: a watcher belongs to the loop that made it; create, use and destroy it on that
// loop's thread.
// Lifetime: a watcher may outlive its loop; it is then inert, and destroying it is harmless.
#pragma once

#include <chrono>
#include <utility>

#include "core/source_location.h"

namespace ae {

namespace core_internal {
struct WatcherNode;
}

// Seconds as a floating-point duration; any std::chrono duration converts to it.
using Seconds = std::chrono::duration<double>;

// What every watcher handle shares: ownership of one watcher, and cancellation.
class WatcherHandle {
 public:
  WatcherHandle() noexcept = default;
  WatcherHandle(WatcherHandle&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
  WatcherHandle& operator=(WatcherHandle&& other) noexcept {
    if (this != &other) {
      reset();
      node_ = std::exchange(other.node_, nullptr);
    }
    return *this;
  }
  WatcherHandle(const WatcherHandle&) = delete;
  WatcherHandle& operator=(const WatcherHandle&) = delete;
  ~WatcherHandle() { reset(); }

  // Cancels the watcher and empties the handle. Its callback never runs afterwards.
  void reset() noexcept;

  // True while the handle holds a watcher (even one that has stopped firing).
  explicit operator bool() const noexcept { return node_ != nullptr; }

  // True while the watcher can still fire: for a one-shot timer, until it has fired; for a child
  // watcher of one pid, until its status was delivered.
  bool active() const noexcept;

  // unref() stops the watcher from keeping its loop running (libuv's uv_unref, libev's
  // ev_unref); ref() undoes that. An unreferenced watcher still fires whenever the loop runs for
  // other reasons, but Loop::run() returns, and a borrowed loop is let go, once only unreferenced
  // watchers are left, so a housekeeping timer or a debug listener never keeps a program alive.
  // Both are idempotent, cost no allocation and may be called anytime, also from a callback and
  // after the loop is gone (then they only record the choice). A watcher starts referenced.
  //   ae::Timer sweep = ae::timer(60s, 60s, [] { expire_sessions(); });
  //   sweep.unref();
  //   done.recv();  // returns when `done` is sent; the sweep alone would not keep it waiting
  // On "asio" with a borrowed io_context, unreferenced watchers fire only while ae has
  // referenced work (Asio cannot wait without keeping its io_context::run() from returning);
  // on "uv", borrowed or owned, they fire whenever uv_run() runs.
  void ref() noexcept { set_referenced(true); }
  void unref() noexcept { set_referenced(false); }
  // True unless unref() was called last (false for an empty handle).
  bool has_ref() const noexcept;

 protected:
  explicit WatcherHandle(core_internal::WatcherNode* node) noexcept : node_(node) {}
  void set_referenced(bool referenced) noexcept;
  core_internal::WatcherNode* node_ = nullptr;
  friend class Loop;
};

// Watches one fd for readability or writability: level-triggered, the callback runs on every
// loop iteration while the fd is ready (readiness may be spurious; use non-blocking I/O). Any
// number of watchers may watch one fd in each direction. The fd must stay open while the watcher
// is active. Regular files, which epoll cannot watch, count as always ready.
class [[nodiscard]] Io : public WatcherHandle {
 public:
  Io() noexcept = default;

  // Stops watching without giving up the watcher (cheap; no allocation).
  void stop() noexcept;
  // Starts watching again after stop(). `where` is for //debug, as in ae::io().
  void start(ae::SourceLocation where = ae::SourceLocation::current());

 private:
  using WatcherHandle::WatcherHandle;
  friend class Loop;
};

// Fires once after a delay, or repeatedly: a repeating timer is rescheduled before its callback
// runs, to max(previous deadline + interval, now), so a slow callback causes no burst of
// catch-up calls. Timers run on the monotonic clock; equal deadlines fire in creation order.
class [[nodiscard]] Timer : public WatcherHandle {
 public:
  Timer() noexcept = default;

  // Re-arms the timer to fire after `after` (then every `interval`, if non-zero) without
  // allocating; the same rules as ae::timer() apply to the arguments. `where` is for //debug,
  // as in ae::timer().
  void set(Seconds after, Seconds interval = Seconds(0),
           ae::SourceLocation where = ae::SourceLocation::current());
  void set(double after, double interval = 0,
           ae::SourceLocation where = ae::SourceLocation::current()) {
    set(Seconds(after), Seconds(interval), where);
  }
  // Disarms the timer without giving it up; set() arms it again.
  void stop() noexcept;

 private:
  using WatcherHandle::WatcherHandle;
  friend class Loop;
};

// Fires at wall-clock instants (libev's ev_periodic), where a Timer fires after monotonic
// durations: "every day at 03:00 UTC" stays at 03:00 when the system clock is set, jumps or
// changes for daylight saving (see Loop::periodic).
class [[nodiscard]] Periodic : public WatcherHandle {
 public:
  Periodic() noexcept = default;

  // The wall-clock time (seconds since the epoch, as ae::now()) it fires next; 0 once it will
  // not fire again, or for an empty handle.
  double at() const noexcept;

 private:
  using WatcherHandle::WatcherHandle;
  friend class Loop;
};

// Runs its callback from the loop after a signal arrived (never from signal context).
// Occurrences between two loop iterations coalesce into one call.
class [[nodiscard]] Signal : public WatcherHandle {
 public:
  Signal() noexcept = default;

 private:
  using WatcherHandle::WatcherHandle;
  friend class Loop;
};

// Reports the exit of a child process: cb(pid, status), status as waitpid(2) gives it.
class [[nodiscard]] Child : public WatcherHandle {
 public:
  Child() noexcept = default;

 private:
  using WatcherHandle::WatcherHandle;
  friend class Loop;
};

// Runs its callback repeatedly whenever the loop has nothing else to do.
class [[nodiscard]] Idle : public WatcherHandle {
 public:
  Idle() noexcept = default;

 private:
  using WatcherHandle::WatcherHandle;
  friend class Loop;
};

// Runs its callback at the end of every loop iteration, just before the loop waits for events
// again (libev's ev_prepare, libuv's uv_prepare): the place to flush what the iteration's callbacks
// gathered. See Loop::prepare.
class [[nodiscard]] Prepare : public WatcherHandle {
 public:
  Prepare() noexcept = default;

 private:
  using WatcherHandle::WatcherHandle;
  friend class Loop;
};

// Runs its callback at the start of every loop iteration, right after the loop's wait and before
// the callbacks of what the wait found (libev's ev_check; libuv's uv_check runs after them). See
// Loop::check.
class [[nodiscard]] Check : public WatcherHandle {
 public:
  Check() noexcept = default;

 private:
  using WatcherHandle::WatcherHandle;
  friend class Loop;
};

}  // namespace ae
