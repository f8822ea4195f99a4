// ae::Backend: the thin interface between ae's loop and a foreign event loop.
//
// ae keeps all watcher bookkeeping itself, once for every backend: its own epoll set holds every
// fd that an io watcher, the signal hub or the cross-thread wakeup needs, a heap holds the timers.
// A backend only has to make the foreign loop call BackendHost::dispatch() when
//   - the epoll fd (`poll_fd`) becomes readable (after arm_poll()),
//   - the single deadline passes (set_deadline()), or
//   - as soon as possible without blocking (schedule_now()).
// An epoll fd is itself pollable, which is how one loop embeds into another, so a backend is a
// few dozen lines and every backend gets the same per-fd cost. See docs/core-design.md.
//
// The backends shipped with ae:
//   //core             "asio": Boost.Asio io_context, owned or borrowed (core/backend/asio/asio.h)
//   //core/backend/uv  "uv":   libuv uv_loop_t, owned or borrowed (core/backend/uv/uv.h)
//   //core/backend/native "native": no foreign loop, ae's epoll set is the loop
//                      (core/backend/native/native.h)
//   //core/backend/ev  "ev":   libev ev_loop, owned or borrowed (core/backend/ev/ev.h)
//   //core/backend/glib "glib": GLib GMainContext, owned or borrowed (core/backend/glib/glib.h)
//
// Thread safety: all members are called on the loop's thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/function.h"

namespace ae {

// Implemented by the loop; a backend calls it from inside its foreign loop.
class BackendHost {
 public:
  // Gathers ready events, runs due timers and pending callbacks, then re-arms the backend.
  // Exceptions thrown by user callbacks propagate out of it, and through the foreign loop's
  // run function, to the program.
  virtual void dispatch() = 0;

  // dispatch(), but its poll of the epoll set first waits up to `timeout_ms` milliseconds (-1: no
  // limit) for an event: for a backend with no foreign loop, whose one wait per iteration is that
  // poll. The clocks are read after the wait.
  virtual void wait_and_dispatch(int timeout_ms) = 0;

 protected:
  ~BackendHost() = default;
};

class Backend {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Backend() = default;

  // The model name, as AE_MODEL spells it ("asio", "uv").
  virtual std::string_view name() const noexcept = 0;

  // Binds the backend to its loop. Called once, before any other member but name().
  virtual void attach(BackendHost& host, int poll_fd) = 0;

  // Asks for one dispatch once poll_fd is readable. Idempotent; the loop calls it again after
  // every dispatch that wants more.
  virtual void arm_poll() = 0;

  // Withdraws arm_poll(), so that a borrowed foreign loop with nothing else to do may return.
  virtual void disarm_poll() = 0;

  // Asks for one dispatch at `deadline` (steady_clock), replacing the earlier deadline;
  // std::nullopt withdraws it. A dispatch earlier than the deadline is harmless.
  virtual void set_deadline(std::optional<TimePoint> deadline) = 0;

  // Tells the backend whether what it was asked to wait for (arm_poll, set_deadline,
  // schedule_now) should keep the foreign loop running. The loop says false when only
  // unreferenced watchers are left (WatcherHandle::unref). A backend that can wait without keeping
  // its foreign loop alive (libuv's uv_unref) does so and returns true; one that cannot returns
  // false (this default), and the loop then withdraws its waits instead.
  virtual bool set_referenced(bool referenced) noexcept { return referenced; }

  // Asks for one dispatch as soon as the foreign loop can run it, without blocking. Idempotent.
  virtual void schedule_now() = 0;

  // Runs the foreign loop for one round: waits (if `block`) until something is ready, then runs
  // what is ready, which includes ae's dispatch when asked for. Used by Loop::run_once().
  virtual void run_once(bool block) = 0;

  // True when the foreign loop reports poll_fd only on new edges; the loop then asks for one more
  // dispatch after every dispatch that found events, so that fds that stay ready are seen again.
  virtual bool edge_triggered() const noexcept = 0;

  // Called by the loop just before it goes away, while the host is still valid.
  virtual void detach() noexcept = 0;

  // Called in a forked child when it first uses (or destroys) a loop made before the fork, after
  // the loop gave itself a new epoll set under poll_fd's old number: the backend makes the
  // foreign loop's kernel objects anew too (io_context::notify_fork, uv_loop_fork), borrowed or
  // owned, so that nothing the child does, exit() included, reaches its parent's. A program that
  // told its borrowed loop itself loses nothing by its being told twice.
  virtual void after_fork() noexcept {}

  // The clocks the loop reads at the start of each iteration and in Loop::now_update(): the
  // monotonic time timers are measured on (steady_clock's epoch) and the wall-clock time (seconds
  // since the epoch) Loop::now() reports. May be called before attach(). Real backends keep
  // these defaults, the system clocks; a backend made for tests returns a clock the test moves,
  // so that timer behaviour can be tested without waiting or racing real time.
  virtual TimePoint steady_now() const noexcept { return std::chrono::steady_clock::now(); }
  virtual double wall_now() const noexcept;
};

// Makes a backend of the model named `name` ("asio", "uv"); null when that backend is not linked.
using BackendFactory = std::unique_ptr<Backend> (*)();

// Registers a backend model by name, so AE_MODEL and make_backend() can find it. Backends linked
// as libraries register themselves at start-up; a program may register its own.
void register_backend(std::string name, BackendFactory factory);

// Makes a backend that owns its foreign loop, of model `name`; null when no such model is linked.
std::unique_ptr<Backend> make_backend(std::string_view name);

// Makes a backend of the default model: "asio" when it is linked (//core links it), otherwise the
// first backend linked (a program built without Asio, on //core/backend/native say); null when
// none is.
std::unique_ptr<Backend> make_default_backend();

// The names of the linked backend models, the default ("asio") first.
std::string linked_backends();

}  // namespace ae
