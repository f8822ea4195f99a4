// //debug's switches and per-loop state, and the installing of core's debug hooks. Private to
// //debug.
//
// The hooks (core/debug_hook.h) are installed while at least one feature is on and removed when
// the last one goes off, so that a program with every feature off pays nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/debug_hook.h"
#include "core/log_hook.h"
#include "core/loop.h"

namespace ae::debug_internal {

struct Switches {
  std::atomic<int> wrap{0};  // 0..2
  std::atomic<bool> trace{true};
  std::atomic<bool> strict{false};
  std::atomic<bool> metrics{false};
  std::atomic<int> shells{0};  // shells running: they need the registry
  // A callback running longer than this is a stall (AE_STALL_MS; asyncio's slow_callback_duration).
  std::atomic<std::int64_t> stall_ns{100'000'000};
};
Switches& switches() noexcept;

// While one lives on a thread, the watchers made there are recorded untraced: //debug's own
// (the shell's sockets), whose trace lines would otherwise feed a shell client's log output.
class QuietScope {
 public:
  QuietScope() noexcept;
  ~QuietScope();
  QuietScope(const QuietScope&) = delete;
  QuietScope& operator=(const QuietScope&) = delete;
};
bool quiet() noexcept;

// The id of the recorded watcher whose callback runs innermost on this thread (0: none).
std::uint64_t running_on_this_thread() noexcept;

// How many callbacks run nested on this thread now (recorded or not).
std::size_t callback_depth() noexcept;

// Writes `line` to the context "ae::debug" at `level`.
void log_line(LogLevel level, const std::string& line);

// AE_DEBUG_SHELL: remembers `address` for start_pending_shell() (and counts it as a shell, so
// that the hooks see the first loop made).
void set_pending_shell(std::string address);
// Starts the shell AE_DEBUG_SHELL asked for on `loop`, if it was not started yet; it lives as a
// service of the loop.
void start_pending_shell(Loop& loop);

// Installs the hooks if any feature is on, removes them otherwise. Call after each change.
void update_hooks() noexcept;

// What //debug keeps per loop, in the loop's debug slot; owned by a service of the loop, so it
// goes with the loop. Written on the loop's thread; the counters may be read from any thread.
struct LoopState {
  explicit LoopState(Loop& loop);
  ~LoopState();
  LoopState(const LoopState&) = delete;
  LoopState& operator=(const LoopState&) = delete;

  Loop& loop;
  LoopId id;
  // The thread that last ran a dispatch of this loop (none before the first).
  std::atomic<std::thread::id> owner{};
  // Strict mode's periodic fd check: due when the loop's monotonic clock passes this (ns).
  std::int64_t next_fd_check_ns = 0;

  // ---- Metrics (see debug/metrics.h) ----
  std::uint64_t number = 0;  // from 1, in the order //debug first saw loops
  std::string model;         // the backend's name
  std::atomic<std::uint64_t> iterations{0};
  std::atomic<std::uint64_t> callbacks{0};
  std::atomic<std::uint64_t> callback_ns{0};  // inside callbacks, nested ones counted once
  std::atomic<std::uint64_t> wait_ns{0};      // between outermost dispatches
  std::atomic<std::uint64_t> longest_callback_ns{0};
  std::atomic<std::uint64_t> timers_due{0};
  std::atomic<std::uint64_t> timer_lag_ns{0};  // summed over timers_due
  std::atomic<std::uint64_t> max_timer_lag_ns{0};
  std::atomic<std::uint64_t> stalls{0};
  // The identity of the watcher whose callback was the longest; read from any thread.
  mutable std::mutex longest_mutex;
  std::string longest_callback;

  // Loop-thread only: when the last outermost dispatch ended (0: none yet, or an exception cut
  // it short), dispatch nesting, and the callbacks running now, innermost last.
  struct Frame {
    std::int64_t started_ns;
    std::int64_t nested_ns;  // time spent in callbacks nested inside this one
  };
  std::int64_t idle_since_ns = 0;
  int dispatch_depth = 0;
  std::vector<Frame> frames;
};

// Every loop's state, for readers on any thread (the metrics, the shell). A LoopState is listed
// from its construction to its destruction. Lock order: this mutex before the registry's.
struct LoopList {
  std::mutex mutex;
  std::vector<LoopState*> all;
  std::uint64_t next_number = 1;
};
LoopList& loop_list();

// The state of `loop` (made on first use), on the loop's thread.
LoopState& attach(Loop& loop);
// The state of the loop `id`, or nullptr when none was made.
inline LoopState* state_of(LoopId id) noexcept { return static_cast<LoopState*>(debug_slot(id)); }

// CLOCK_MONOTONIC in nanoseconds.
std::int64_t mono_ns() noexcept;

// Adds `v` to a counter only its loop's thread writes (no read-modify-write instruction needed).
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t v = 1) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
}
inline void raise_to(std::atomic<std::uint64_t>& counter, std::uint64_t v) noexcept {
  if (v > counter.load(std::memory_order_relaxed)) counter.store(v, std::memory_order_relaxed);
}

}  // namespace ae::debug_internal
