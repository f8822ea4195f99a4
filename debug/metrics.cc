#include "debug/metrics.h"

#include <cstdio>
#include <mutex>
#include <stdexcept>

#include "debug/internal/registry.h"
#include "debug/internal/state.h"

namespace ae::debug {
namespace {

using debug_internal::LoopState;

double seconds(const std::atomic<std::uint64_t>& ns) {
  return static_cast<double>(ns.load(std::memory_order_relaxed)) / 1e9;
}

// Under loop_list()'s mutex, so that `state` stays alive.
LoopMetrics snapshot(const LoopState& state) {
  LoopMetrics m;
  m.loop = state.number;
  m.model = state.model;
  m.iterations = state.iterations.load(std::memory_order_relaxed);
  m.callbacks = state.callbacks.load(std::memory_order_relaxed);
  m.callback_seconds = seconds(state.callback_ns);
  m.wait_seconds = seconds(state.wait_ns);
  m.longest_callback_seconds = seconds(state.longest_callback_ns);
  {
    std::lock_guard lock(state.longest_mutex);
    m.longest_callback = state.longest_callback;
  }
  m.timers_due = state.timers_due.load(std::memory_order_relaxed);
  m.timer_lag_seconds = seconds(state.timer_lag_ns);
  m.max_timer_lag_seconds = seconds(state.max_timer_lag_ns);
  m.stalls = state.stalls.load(std::memory_order_relaxed);
  debug_internal::Registry& reg = debug_internal::registry();
  std::lock_guard lock(reg.mutex);
  for (const auto& [id, r] : reg.by_id) {
    if (r->loop == state.id && !r->destroyed) ++m.watchers[static_cast<std::size_t>(r->type)];
  }
  return m;
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

bool metrics(bool on) {
  bool previous = debug_internal::switches().metrics.exchange(on);
  debug_internal::update_hooks();
  return previous;
}

bool metrics_enabled() noexcept { return debug_internal::switches().metrics.load(); }

void stall_threshold(std::chrono::nanoseconds threshold) {
  if (threshold.count() <= 0) {
    throw std::invalid_argument("ae::debug::stall_threshold: the threshold must be positive");
  }
  debug_internal::switches().stall_ns.store(threshold.count());
}

std::chrono::nanoseconds stall_threshold() noexcept {
  return std::chrono::nanoseconds(debug_internal::switches().stall_ns.load());
}

LoopMetrics loop_metrics(Loop& loop) {
  LoopState& state = debug_internal::attach(loop);
  std::lock_guard lock(debug_internal::loop_list().mutex);
  return snapshot(state);
}

std::vector<LoopMetrics> all_loop_metrics() {
  std::vector<LoopMetrics> out;
  debug_internal::LoopList& list = debug_internal::loop_list();
  std::lock_guard lock(list.mutex);
  for (const LoopState* s : list.all) out.push_back(snapshot(*s));
  return out;
}

std::string prometheus_text() {
  std::vector<LoopMetrics> loops = all_loop_metrics();
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    for (const LoopMetrics& m : loops) {
      out += name;
      out += "{loop=\"" + std::to_string(m.loop) + "\",model=\"" + m.model + "\"} ";
      out += number(static_cast<double>(value(m)));
      out += '\n';
    }
  };
  family("ae_loop_iterations_total", "counter", "Loop iterations.",
         [](const LoopMetrics& m) { return m.iterations; });
  family("ae_loop_callbacks_total", "counter", "Watcher callbacks run (events dispatched).",
         [](const LoopMetrics& m) { return m.callbacks; });
  family("ae_loop_callback_seconds_total", "counter", "Time spent inside callbacks.",
         [](const LoopMetrics& m) { return m.callback_seconds; });
  family("ae_loop_wait_seconds_total", "counter", "Time spent waiting between iterations.",
         [](const LoopMetrics& m) { return m.wait_seconds; });
  family("ae_loop_longest_callback_seconds", "gauge", "The longest callback so far.",
         [](const LoopMetrics& m) { return m.longest_callback_seconds; });
  family("ae_loop_timers_due_total", "counter", "Timers that came due.",
         [](const LoopMetrics& m) { return m.timers_due; });
  family("ae_loop_timer_lag_seconds_total", "counter",
         "How late due timers fired after their deadline, summed.",
         [](const LoopMetrics& m) { return m.timer_lag_seconds; });
  family("ae_loop_timer_lag_max_seconds", "gauge", "The latest a timer fired so far.",
         [](const LoopMetrics& m) { return m.max_timer_lag_seconds; });
  family("ae_loop_stalls_total", "counter", "Callbacks that ran longer than the stall threshold.",
         [](const LoopMetrics& m) { return m.stalls; });
  out += "# HELP ae_loop_watchers Live watchers by type.\n# TYPE ae_loop_watchers gauge\n";
  for (const LoopMetrics& m : loops) {
    for (std::size_t t = 0; t < m.watchers.size(); ++t) {
      out += "ae_loop_watchers{loop=\"" + std::to_string(m.loop) + "\",model=\"" + m.model +
             "\",type=\"" + std::string(watcher_type_name(static_cast<WatcherType>(t))) + "\"} " +
             std::to_string(m.watchers[t]) + "\n";
    }
  }
  return out;
}

}  // namespace ae::debug
