// ae::debug metrics and the stall detector: what each loop does with its time, and the
// callbacks that hold it up.
//
// While metrics are on (AE_DEBUG_METRICS=1 or AE_STALL_MS=N in the environment at start-up, or
// metrics(true)), and also while any other //debug feature is on (wrapping, strict mode, the
// shell), //debug counts per loop: iterations, callbacks run (events dispatched), the time spent
// in callbacks and the time spent waiting between iterations, the longest callback and whose it
// was, how late timers fire (loop lag), stalls, and the live watchers by type. A loop is counted
// from the moment //debug first sees it with a feature on: made, or one of its watchers made.
// Live watchers are those made while a feature was on.
//
// The stall detector is asyncio's slow-callback warning: a callback that runs longer than the
// stall threshold (AE_STALL_MS, default 100 ms) is logged at warn level in the context
// "ae::debug" with the watcher's identity and where it was made, and with its creation backtrace
// when it was made under wrap level 2 (debug/wrap.h):
//   warn: stall: callback of #12 timer server.cc:40 ran 203.117 ms (threshold 100 ms); made in
//   void serve()
// Only the callback's own time counts: a callback waiting in a nested CondVar::recv() is not
// stalling its loop while the loop runs inside it.
//
// Example:
//   ae::debug::metrics(true);
//   // ... the program runs ...
//   ae::debug::LoopMetrics m = ae::debug::loop_metrics();       // this thread's loop
//   std::string page = ae::debug::prometheus_text();            // every loop, for a scraper
//
// Cost: nothing while every //debug feature is off (core/debug_hook.h); with one on, a few clock
// reads per callback and per iteration.
// Thread safety: every function here may be called from any thread, except loop_metrics(loop),
// which belongs to `loop`'s thread.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/debug_hook.h"
#include "core/loop.h"

namespace ae::debug {

// A snapshot of one loop's counters, from when //debug first saw the loop.
struct LoopMetrics {
  std::uint64_t loop = 0;  // from 1, in the order //debug saw loops; the "loop" label
  std::string model;       // "asio", "uv"
  std::uint64_t iterations = 0;
  std::uint64_t callbacks = 0;  // watcher callbacks run: the events dispatched
  double callback_seconds = 0;  // inside callbacks
  double wait_seconds = 0;      // between iterations: waiting for events (and, on a borrowed
                                // loop, whatever else the foreign loop ran)
  double longest_callback_seconds = 0;
  std::string longest_callback;  // the identity of its watcher ("#12 timer main.cc:40")
  std::uint64_t timers_due = 0;
  double timer_lag_seconds = 0;  // how late the timers fired, summed
  double max_timer_lag_seconds = 0;
  std::uint64_t stalls = 0;  // callbacks over the stall threshold
  // Live watchers, indexed by WatcherType (watcher_type_name names each).
  std::array<std::size_t, kWatcherTypeCount> watchers{};
};

// Turns metrics and the stall detector on or off, whatever else is on. Returns the previous
// setting.
bool metrics(bool on);
bool metrics_enabled() noexcept;

// Sets the stall threshold (AE_STALL_MS); a callback running longer is a stall.
// Errors: std::invalid_argument for a threshold <= 0.
void stall_threshold(std::chrono::nanoseconds threshold);
std::chrono::nanoseconds stall_threshold() noexcept;

// The counters of `loop`, which //debug starts counting now if it had not seen it yet.
LoopMetrics loop_metrics(Loop& loop = Loop::current());
// The counters of every loop alive that //debug has seen, by LoopMetrics::loop.
std::vector<LoopMetrics> all_loop_metrics();

// Every loop's counters in Prometheus's text exposition format (version 0.0.4), for the program
// to serve with Content-Type "text/plain; version=0.0.4". Metric names start "ae_loop_"; every
// sample carries the labels loop and model.
std::string prometheus_text();

}  // namespace ae::debug
