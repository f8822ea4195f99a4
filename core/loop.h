// ae::Loop: the event loop, and the AE function API (ae::io, ae::timer, ae::signal, ...).
//
// A program never has to choose a loop: the first watcher creates the thread's default loop on
// the model named by AE_MODEL ("asio" when unset). A program that already runs a loop hands it
// to ae instead (core/backend/asio/asio.h, core/backend/uv/uv.h), and ae's watchers then fire from
// that loop's own run function.
//
// Example:
//   ae::CondVar<> done;
//   ae::Timer t = ae::timer(1s, [&] { done.send(); });
//   ae::Io r = ae::io(fd, ae::kRead, [&] { /* read(fd, ...) */ });
//   done.recv();  // runs the loop until the timer fired
//
// Thread safety: one loop per thread. A Loop and its watchers are used on the thread that runs
// it; only Loop::post() may be called from other threads.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include "core/backend.h"
#include "core/debug_hook.h"
#include "core/function.h"
#include "core/guard.h"
#include "core/source_location.h"
#include "core/watchers.h"

namespace ae {

namespace core_internal {
class LoopCore;
}

// The direction an io watcher watches.
enum class IoDir { kRead, kWrite };
inline constexpr IoDir kRead = IoDir::kRead;
inline constexpr IoDir kWrite = IoDir::kWrite;

class Loop {
 public:
  // Makes a loop that owns a foreign loop of the model named by AE_MODEL ("asio" when unset or
  // when the named model is not linked; that case is reported through the log hook).
  Loop();
  // Makes a loop on `backend` (owning or borrowing its foreign loop).
  explicit Loop(std::unique_ptr<Backend> backend);
  // Destroying a loop makes its remaining watchers inert. Do not destroy a loop from inside one
  // of its own callbacks.
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // The loop the free functions (ae::timer, ...) use on this thread: the innermost Loop::Scope's,
  // or else the thread's default loop, made on first use.
  static Loop& current();
  // The current loop of this thread if one exists (a Scope's, or the default loop once made);
  // never makes one. For code that must not create a loop as a side effect, such as logging.
  static Loop* current_if_any() noexcept;

  // Makes `loop` the current loop of this thread for the scope's lifetime.
  class Scope {
   public:
    explicit Scope(Loop& loop) noexcept;
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Loop* previous_;
  };

  // ---- Watchers (AnyEvent->io, ->timer, ->signal, ->child, ->idle; prepare, check) ---------
  // Each callback runs on this loop's thread, never inside the call that created the watcher,
  // every time its event happens, until the handle is destroyed. The last argument, left to its
  // default, records the caller's file and line for //debug (core/debug_hook.h).

  // Watches `fd` in direction `dir`.
  // Errors: std::invalid_argument for a negative fd; std::system_error(EBADF) for a closed fd.
  // Lifetime: stop or destroy the watcher before closing `fd`. A close under a live watcher is
  // misuse that is not detected (docs/core-design.md, "Bad input"): the watcher then never fires
  // (and keeps run() from returning), or, while a dup keeps the file open, fires every iteration.
  Io io(int fd, IoDir dir, Function<void()> cb,
        ae::SourceLocation where = ae::SourceLocation::current());

  // Fires once after `after` (0 or negative: on the next iteration), measured from now().
  // Errors: std::invalid_argument for a NaN or infinite duration.
  Timer timer(Seconds after, Function<void()> cb,
              ae::SourceLocation where = ae::SourceLocation::current());
  // Fires after `after`, then every `interval` (0: once).
  // Errors: std::invalid_argument for NaN or infinite values or a negative interval.
  Timer timer(Seconds after, Seconds interval, Function<void()> cb,
              ae::SourceLocation where = ae::SourceLocation::current());
  // The same with seconds as plain numbers, as AnyEvent writes them: timer(0.5, cb).
  Timer timer(double after, Function<void()> cb,
              ae::SourceLocation where = ae::SourceLocation::current()) {
    return timer(Seconds(after), std::move(cb), where);
  }
  Timer timer(double after, double interval, Function<void()> cb,
              ae::SourceLocation where = ae::SourceLocation::current()) {
    return timer(Seconds(after), Seconds(interval), std::move(cb), where);
  }

  // Fires at wall-clock instants (libev's ev_periodic), measured on the system's realtime clock
  // (ae::now()), not on the monotonic clock timers use: with `interval` > 0 at every
  // offset + k * interval (seconds since the epoch) after now, so offset 3 * 3600 and interval
  // 86400 is every day at 03:00 UTC; with `interval` 0 once, at the instant `offset` (at once if
  // that has passed). Missed instants are not caught up: after a late iteration or a jump of the
  // clock it fires once and goes on from the next instant after now (periodic_next). When the
  // clock is set back or forward, the instants are recomputed from the new time: the loop
  // notices a jump at its next iteration, and while periodics exist it wakes at least once a
  // minute to look.
  //   ae::Periodic nightly = ae::periodic(3 * 3600, 24 * 3600, [] { rotate_logs(); });
  //   ae::Periodic at_noon = ae::periodic(ae::now() + 3600, 0, [] { remind(); });  // once
  // Errors: std::invalid_argument for a NaN or infinite value or a negative interval.
  Periodic periodic(double offset, double interval, Function<void()> cb,
                    ae::SourceLocation where = ae::SourceLocation::current());
  // Fires at the instants `reschedule` gives (libev's reschedule_cb): it is called with the
  // current wall-clock time, once inside this call and then after every firing and clock jump,
  // and returns the next instant, which must be later than the time it was given. Example (at
  // every full minute, as interval 60 would do):
  //   ae::periodic([](double now) { return std::floor(now / 60) * 60 + 60; }, cb);
  // Errors: std::invalid_argument for an empty function, or when its first answer is not a
  // finite time after now; std::logic_error out of the loop's run when a later answer is not
  // (the periodic then stops: active() is false).
  Periodic periodic(Function<double(double now)> reschedule, Function<void()> cb,
                    ae::SourceLocation where = ae::SourceLocation::current());

  // Watches signal `signum` (e.g. SIGUSR1). SIGPIPE is ignored while no watcher wants it.
  // When the last watcher of a signal goes, the disposition that was there before is restored.
  // Errors: std::invalid_argument for a number that is not a catchable signal (SIGKILL, SIGSTOP,
  // out of range).
  Signal signal(int signum, Function<void()> cb,
                ae::SourceLocation where = ae::SourceLocation::current());
  // Watches a signal by name: "TERM" or "SIGTERM" (AnyEvent's names, upper case).
  // Errors: std::invalid_argument for an unknown name.
  Signal signal(std::string_view name, Function<void()> cb,
                ae::SourceLocation where = ae::SourceLocation::current());

  // Reports the exit of child `pid` once, or with pid 0 the exit of every child. A child that
  // exited before the watcher existed is reported too. Statuses of children ae reaped while no
  // watcher wanted them (only a pid-0 watcher reaps children it was not asked about) are kept, up
  // to 4096, for a watcher created later; never for a watcher of a pid that is a child of this
  // process when the watcher is made (the kernel gave the pid to a new child): it waits for that
  // child's own exit. A pid-0 callback that throws loses no status: the rest come next iteration.
  // Errors: std::invalid_argument for pid < 0; std::system_error(ECHILD) when `pid` is not a
  // child of this process and its status is not kept.
  Child child(pid_t pid, Function<void(pid_t pid, int status)> cb,
              ae::SourceLocation where = ae::SourceLocation::current());

  // Runs `cb` whenever the loop has nothing else to do.
  Idle idle(Function<void()> cb, ae::SourceLocation where = ae::SourceLocation::current());

  // Runs `cb` at the end of every loop iteration, after its callbacks and postponed calls, just
  // before the loop waits again (libev's ev_prepare, libuv's uv_prepare); also once soon after
  // it is made, before the loop's next wait. With check(), this is how another library's work is
  // folded into the loop: prepare sets up what to wait for, check collects what came.
  //   ae::Prepare flush = ae::prepare([&] { batcher.flush(); });  // one write per iteration
  //   flush.unref();  // it should not keep run() going by itself
  // Like every watcher it keeps run() going while it exists; unref() it if it should not. An
  // iteration is one of ae's dispatches: on a borrowed loop, ae iterates only when it has
  // something to do, not on every round of the foreign loop.
  // Errors: std::invalid_argument for an empty `cb`.
  Prepare prepare(Function<void()> cb,
                  ae::SourceLocation where = ae::SourceLocation::current());

  // Runs `cb` at the start of every loop iteration, after the loop's wait and before any other
  // callback of the iteration (libev's ev_check; libuv runs uv_check after the io callbacks).
  //   ae::Check sample = ae::check([&] { ++iterations; });
  // The rules of prepare() apply.
  Check check(Function<void()> cb, ae::SourceLocation where = ae::SourceLocation::current());

  // ---- Deferred calls ------------------------------------------------------------------------

  // Runs `f` on this loop after the current callback returns, before the loop next waits
  // (AnyEvent::postpone). Never runs inside this call. FIFO; calls postponed while the queue
  // drains run in the same batch.
  void postpone(Function<void()> f);

  // Runs `f` like postpone(), unless the returned Guard is destroyed (or reset) first: then `f`
  // never runs, and its captures are destroyed at once rather than when the loop gets to it.
  // This is how an operation keeps its promise that a callback never runs inside the call that
  // started it, when the outcome is known at once. Never runs inside this call; runs at most once.
  // Example:
  //   done_ = loop.postpone_cancellable([this] { cb_(std::error_code(), result_); });
  // Errors: std::invalid_argument for an empty `f`.
  Guard postpone_cancellable(Function<void()> f);

  // Destroys `owner` (a std::unique_ptr, a std::shared_ptr, any value whose destruction frees
  // what it owns) after the callback that is running now has returned, or at once when this loop
  // runs no callback (Envoy's deferredDelete). An object whose owner may let it go from inside
  // the object's own callback hands itself here instead of dying on the spot, so that the
  // object's code still on the stack may go on using `this` until it returns. Example:
  //   void Server::close() {
  //     listener_->stop();
  //     loop_.delete_later(std::move(listener_));
  //   }
  // The object must be inert (stopped, its callbacks cancelled) when handed over: only its memory
  // is kept. Like postpone(), the deletion runs in the loop's innermost dispatch: an object whose
  // code waits in a nested CondVar::recv() must not be handed over from inside that wait.
  template <class Owner>
  void delete_later(Owner owner);

  // Runs `f` on this loop's thread soon. The only member that may be called from any thread;
  // `f` runs while the loop runs (inside run(), run_once() or a CondVar::recv(), or the borrowed
  // foreign loop's own run function).
  void post(Function<void()> f);

  // ---- Per-loop services (Asio's use_service) --------------------------------------------------
  // A package keeps its per-loop state (a DNS resolver and its cache, an HTTP connection pool, a
  // registry of fork templates) in a service: one object of type T per loop, made on first use
  // and destroyed with the loop. Example:
  //
  //   class Pool {
  //    public:
  //     explicit Pool(ae::Loop& loop);  // or a default constructor
  //     void shutdown();                // optional: see below
  //     ...
  //   };
  //   Pool& pool = ae::Loop::current().service<Pool>();
  //
  // Lifetime: when the loop is destroyed, before anything else of it goes and on its thread,
  // every service that has a `void shutdown()` member gets it called (last made first), and then
  // every service is destroyed (last made first). So a service may use the loop fully in both:
  // destroy watchers, start or cancel work, use other services; and a service that another one
  // made in its constructor outlives it. A service made while the loop is being destroyed is
  // shut down and destroyed too.
  // Thread safety: on the loop's thread only, like the watchers.

  // The loop's T, made on first use as T(loop) when T can be built from a Loop&, else as T().
  // Errors: whatever T's constructor throws (then no T is kept, and the next call tries again);
  // std::logic_error when T's constructor asks for T itself.
  template <class T>
  T& service();
  // The loop's T if it has one; never makes one.
  template <class T>
  T* find_service() const noexcept;

  // ---- Running ---------------------------------------------------------------------------------

  // Runs until stop() is called or nothing is left to watch or do.
  void run();
  // Runs one iteration: waits (if `block`) for events, then runs their callbacks. Returns true
  // while there is still something to watch or do.
  bool run_once(bool block = true);
  // Makes run() return after the current iteration.
  void stop() noexcept;

  // ---- Time -----------------------------------------------------------------------------------

  // The wall-clock time (seconds since the epoch) cached at the start of this iteration.
  double now() const noexcept;
  // Refreshes now() (and the monotonic time timers are measured from).
  void now_update() noexcept;

  // The backend's model name ("asio", "uv").
  std::string_view model() const noexcept;
  Backend& backend() noexcept;

  // The number of active watchers, referenced or not (tests use it to prove nothing is left
  // behind).
  std::size_t active_watchers() const noexcept;
  // The number of active watchers that keep run() running (not unref()'d).
  std::size_t referenced_watchers() const noexcept;

  // For ae's own packages: the loop's count of blocking waits in progress.
  int& core_waiters() noexcept;

 private:
  struct ServiceSlot {
    std::type_index type;
    void* object;
    void (*shutdown)(void*);
    void (*destroy)(void*) noexcept;
    bool shut_down = false;
  };
  // Marks T as being made, so that T's constructor asking for T is caught.
  class ServiceConstruction {
   public:
    ServiceConstruction(Loop& loop, std::type_index type);
    ~ServiceConstruction();
    ServiceConstruction(const ServiceConstruction&) = delete;
    ServiceConstruction& operator=(const ServiceConstruction&) = delete;

   private:
    Loop& loop_;
  };
  void* find_service_object(std::type_index type) const noexcept;
  void add_service(ServiceSlot slot);
  void destroy_services() noexcept;
  static void shut_down_service(void (*shutdown)(void*), void* object) noexcept;
  // True while one of this loop's callbacks (or postponed calls) is running.
  bool dispatching() const noexcept;
  // Makes a watcher with make() while debug hooks are installed: asks them first, tells them after.
  template <class Make>
  auto made_observed(const DebugHooks& hooks, const WatcherSpec& spec, Make make)
      -> decltype(make());

  std::vector<ServiceSlot> services_;
  std::vector<std::type_index> services_in_construction_;

  // Closing a core may leave it behind, inert, until watchers that outlive the loop are gone.
  struct CoreCloser {
    void operator()(core_internal::LoopCore* core) const noexcept;
  };
  std::unique_ptr<core_internal::LoopCore, CoreCloser> core_;

  // core/debug_hook.h's per-loop slot and identity are the core's.
  friend void set_debug_slot(Loop& loop, void* state) noexcept;
  friend LoopId debug_loop_id(Loop& loop) noexcept;
};

template <class T>
T& Loop::service() {
  static_assert(std::is_object_v<T> && !std::is_const_v<T>, "a service is a class type");
  if (void* found = find_service_object(typeid(T))) return *static_cast<T*>(found);
  std::unique_ptr<T> made;
  {
    ServiceConstruction constructing(*this, typeid(T));
    if constexpr (std::is_constructible_v<T, Loop&>) {
      made = std::make_unique<T>(*this);
    } else {
      made = std::make_unique<T>();
    }
  }
  void (*shutdown)(void*) = nullptr;
  if constexpr (requires(T & t) { t.shutdown(); }) {
    shutdown = [](void* p) { static_cast<T*>(p)->shutdown(); };
  }
  add_service(ServiceSlot{typeid(T), made.get(), shutdown,
                          [](void* p) noexcept { delete static_cast<T*>(p); }});
  return *made.release();
}

template <class T>
T* Loop::find_service() const noexcept {
  return static_cast<T*>(find_service_object(typeid(T)));
}

template <class Owner>
void Loop::delete_later(Owner owner) {
  if (!dispatching()) return;  // nothing of the object's can be on the stack: `owner` dies here
  postpone([owner = std::move(owner)]() mutable { Owner dying = std::move(owner); });
}

// ---- The AE function API, on Loop::current() ---------------------------------------------------

inline Io io(int fd, IoDir dir, Function<void()> cb,
             ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().io(fd, dir, std::move(cb), where);
}
inline Timer timer(Seconds after, Function<void()> cb,
                   ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().timer(after, std::move(cb), where);
}
inline Timer timer(Seconds after, Seconds interval, Function<void()> cb,
                   ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().timer(after, interval, std::move(cb), where);
}
inline Timer timer(double after, Function<void()> cb,
                   ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().timer(Seconds(after), std::move(cb), where);
}
inline Timer timer(double after, double interval, Function<void()> cb,
                   ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().timer(Seconds(after), Seconds(interval), std::move(cb), where);
}
inline Periodic periodic(double offset, double interval, Function<void()> cb,
                         ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().periodic(offset, interval, std::move(cb), where);
}
inline Periodic periodic(Function<double(double now)> reschedule, Function<void()> cb,
                         ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().periodic(std::move(reschedule), std::move(cb), where);
}
// The wall-clock instant a periodic of `offset` and `interval` fires next after `now`: the first
// offset + k * interval later than `now`, or `offset` itself when `interval` is 0.
double periodic_next(double offset, double interval, double now) noexcept;

inline Signal signal(int signum, Function<void()> cb,
                     ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().signal(signum, std::move(cb), where);
}
inline Signal signal(std::string_view name, Function<void()> cb,
                     ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().signal(name, std::move(cb), where);
}
inline Child child(pid_t pid, Function<void(pid_t, int)> cb,
                   ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().child(pid, std::move(cb), where);
}
inline Idle idle(Function<void()> cb,
                 ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().idle(std::move(cb), where);
}
inline Prepare prepare(Function<void()> cb,
                       ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().prepare(std::move(cb), where);
}
inline Check check(Function<void()> cb,
                   ae::SourceLocation where = ae::SourceLocation::current()) {
  return Loop::current().check(std::move(cb), where);
}
inline void postpone(Function<void()> f) { Loop::current().postpone(std::move(f)); }
inline Guard postpone_cancellable(Function<void()> f) {
  return Loop::current().postpone_cancellable(std::move(f));
}
// Loop::delete_later on the current loop; with no loop on this thread, `owner` dies at once.
template <class Owner>
void delete_later(Owner owner) {
  if (Loop* loop = Loop::current_if_any()) loop->delete_later(std::move(owner));
}

// AE::now: the current loop's cached wall-clock time in seconds (makes the thread's default
// loop if there is none yet).
inline double now() { return Loop::current().now(); }
// AE::now_update.
inline void now_update() { Loop::current().now_update(); }
// AE::time: the live wall-clock time in seconds, sampled on every call.
double time() noexcept;

// Signal names and numbers, as AnyEvent::Base::sig2num / sig2name (without the "SIG" prefix).
// sig2num returns 0 for an unknown name; sig2name returns "" for an unknown number.
int sig2num(std::string_view name) noexcept;
std::string_view sig2name(int signum) noexcept;

}  // namespace ae
