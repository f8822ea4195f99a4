// The hook functions core calls (core/debug_hook.h), and their installation.
#include <execinfo.h>
#include <time.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "core/loop.h"
#include "debug/internal/accounting.h"
#include "debug/internal/registry.h"
#include "debug/internal/state.h"
#include "debug/internal/strict_checks.h"
#include "log/log.h"

namespace ae::debug_internal {
namespace {

// The ids of the recorded watchers whose callbacks run on this thread, innermost last (0 for a
// watcher that is not recorded).
thread_local std::vector<std::uint64_t> t_running;
thread_local int t_quiet = 0;

const log::Context& debug_context() {
  static const log::Context* c = new log::Context(log::ctx("ae::debug"));
  return *c;
}

bool trace_enabled() { return static_cast<bool>(debug_context().logger(LogLevel::kTrace)); }

std::string arguments_of(const WatcherSpec& spec) {
  char buf[96];
  switch (spec.type) {
    case WatcherType::kIo:
      std::snprintf(buf, sizeof buf, "fd=%d %s", spec.fd, spec.write ? "write" : "read");
      return buf;
    case WatcherType::kTimer:
      if (spec.repeating) {
        std::snprintf(buf, sizeof buf, "after=%g interval=%g", spec.after, spec.interval);
      } else {
        std::snprintf(buf, sizeof buf, "after=%g", spec.after);
      }
      return buf;
    case WatcherType::kSignal: {
      std::string_view name = sig2name(spec.signum);
      if (name.empty()) return "signal=" + std::to_string(spec.signum);
      return "signal=" + std::string(name);
    }
    case WatcherType::kChild:
      return "pid=" + std::to_string(spec.pid);
    case WatcherType::kPeriodic:
      if (!spec.repeating && spec.interval == 0) {
        std::snprintf(buf, sizeof buf, "at=%.3f", spec.after);
      } else if (spec.interval > 0) {
        std::snprintf(buf, sizeof buf, "offset=%g interval=%g", spec.after, spec.interval);
      } else {
        return "reschedule";
      }
      return buf;
    case WatcherType::kIdle:
    case WatcherType::kPrepare:
    case WatcherType::kCheck:
      return "";
  }
  return "";
}

std::vector<std::string> creation_backtrace() {
  void* frames[48];
  int n = ::backtrace(frames, 48);
  std::vector<std::string> out;
  char** names = ::backtrace_symbols(frames, n);
  if (names == nullptr) return out;
  // Skip this function, the hook and core's factory frames.
  for (int i = 3; i < n; ++i) out.emplace_back(names[i]);
  std::free(names);
  return out;
}

std::string error_text(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}

// ---- The hooks ----------------------------------------------------------------------------------

void on_loop_created(Loop& loop) {
  attach(loop);
  start_pending_shell(loop);
}

void on_created(Loop& loop, WatcherId node, const WatcherSpec& spec) {
  attach(loop);
  auto record = std::make_unique<Record>();
  record->node = node;
  record->loop = debug_loop_id(loop);
  record->type = spec.type;
  record->where = spec.where;
  record->arguments = arguments_of(spec);
  if (spec.type == WatcherType::kIo) record->fd = spec.fd;
  record->parent = t_running.empty() ? 0 : t_running.back();
  record->created = ae::time();
  record->wrap_level = switches().wrap.load(std::memory_order_relaxed);
  if (record->wrap_level >= 2) record->backtrace = creation_backtrace();
  if (t_quiet > 0) record->trace = false;
  std::string line;
  {
    Registry& reg = registry();
    std::lock_guard lock(reg.mutex);
    record->id = reg.next_id++;
    if (traced(*record) && trace_enabled()) {
      line = "create " + identity(*record);
      if (!record->arguments.empty()) line += " " + record->arguments;
      if (record->parent != 0) line += " parent=#" + std::to_string(record->parent);
    }
    Record* r = record.get();
    reg.by_id.emplace(r->id, std::move(record));
    // A node's memory may be reused by a watcher made after the old one's handle went; the old
    // record was dropped then, so an entry found here is stale only if a hook was missed.
    reg.by_node[node] = r;
  }
  if (!line.empty()) log_line(LogLevel::kTrace, line);
}

void on_destroyed(WatcherId node) noexcept {
  std::string line;
  {
    Registry& reg = registry();
    std::lock_guard lock(reg.mutex);
    Record* r = reg.find(node);
    if (r == nullptr) return;
    if (traced(*r) && trace_enabled()) line = "destroy " + identity(*r);
    if (r->running > 0) {
      r->destroyed = true;  // its callback is on the stack: leave() drops the record
    } else {
      reg.erase(r);
    }
  }
  if (!line.empty()) log_line(LogLevel::kTrace, line);
}

void on_enter(LoopId loop, WatcherId node) {
  if (LoopState* state = state_of(loop)) account_enter(*state);
  std::uint64_t id = 0;
  std::string line;
  {
    Registry& reg = registry();
    std::lock_guard lock(reg.mutex);
    if (Record* r = reg.find(node)) {
      id = r->id;
      ++r->invocations;
      ++r->running;
      if (traced(*r) && trace_enabled()) line = "enter " + identity(*r);
    }
  }
  t_running.push_back(id);
  if (!line.empty()) log_line(LogLevel::kTrace, line);
}

std::string milliseconds(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
  return buf;
}

// Under the registry's mutex: the stall report of `r` (nullptr: a watcher made while //debug
// was off) for a callback that ran `own_ns`.
std::string stall_report(const Record* r, WatcherId node, std::int64_t own_ns,
                         std::int64_t threshold_ns) {
  std::string s = "stall: callback of ";
  if (r != nullptr) {
    s += identity(*r);
  } else {
    s += "an unrecorded " + std::string(watcher_type_name(debug_watcher_type(node))) + " watcher";
  }
  s += " ran " + milliseconds(own_ns) + " ms (threshold " + milliseconds(threshold_ns) + " ms)";
  if (r != nullptr) {
    s += "; made in ";
    s += r->where.function_name();
    if (!r->backtrace.empty()) {
      s += "; creation backtrace:";
      for (const std::string& frame : r->backtrace) s += "\n  " + frame;
    }
  }
  return s;
}

void on_leave(LoopId loop, WatcherId node, const std::exception_ptr* error) noexcept {
  if (!t_running.empty()) t_running.pop_back();
  try {
    LoopState* state = state_of(loop);
    std::int64_t own_ns = state != nullptr ? account_leave(*state) : 0;
    std::int64_t threshold_ns = switches().stall_ns.load(std::memory_order_relaxed);
    bool longest =
        state != nullptr && static_cast<std::uint64_t>(own_ns) >
                                state->longest_callback_ns.load(std::memory_order_relaxed);
    bool stalled = own_ns > threshold_ns;
    std::string trace_line;
    std::string error_line;
    std::string stall_line;
    std::string who;
    {
      Registry& reg = registry();
      std::lock_guard lock(reg.mutex);
      Record* r = reg.find(node);
      if (r != nullptr) {
        who = identity(*r);
        if (error != nullptr) {
          std::string what = error_text(*error);
          if (r->errors.size() == kKeptErrors) r->errors.erase(r->errors.begin());
          r->errors.push_back(what);
          error_line = "callback of " + who + " threw: " + what;
        }
        if (traced(*r) && trace_enabled()) trace_line = "leave " + who;
      } else {
        who = "an unrecorded " + std::string(watcher_type_name(debug_watcher_type(node))) +
              " watcher";
        if (error != nullptr) {
          error_line = "callback of an unrecorded watcher threw: " + error_text(*error);
        }
      }
      if (stalled) stall_line = stall_report(r, node, own_ns, threshold_ns);
      if (r != nullptr && --r->running == 0 && r->destroyed) reg.erase(r);
    }
    if (longest) {
      std::lock_guard lock(state->longest_mutex);
      state->longest_callback_ns.store(static_cast<std::uint64_t>(own_ns),
                                       std::memory_order_relaxed);
      state->longest_callback = who;
    }
    if (stalled && state != nullptr) bump(state->stalls);
    if (!error_line.empty()) log_line(LogLevel::kError, error_line);
    if (!stall_line.empty()) log_line(LogLevel::kWarn, stall_line);
    if (!trace_line.empty()) log_line(LogLevel::kTrace, trace_line);
  } catch (...) {
    // Out of memory while reporting: the report is lost, the program goes on.
  }
}

void on_check(Loop& loop, const WatcherSpec& spec) {
  if (switches().strict.load(std::memory_order_relaxed)) strict_check_watcher(loop, spec);
}

void on_used(WatcherId node, ae::SourceLocation where) {
  if (switches().strict.load(std::memory_order_relaxed)) strict_check_use(node, where);
}

void on_blocking_wait(Loop& loop, ae::SourceLocation where) {
  if (switches().strict.load(std::memory_order_relaxed)) strict_check_wait(loop, where);
}

void on_dispatch_begin(LoopId loop) {
  LoopState* state = state_of(loop);
  if (state == nullptr) return;  // a loop made before //debug was on, never used since
  state->owner.store(std::this_thread::get_id(), std::memory_order_release);
  account_dispatch_begin(*state);
  if (switches().strict.load(std::memory_order_relaxed)) strict_check_fds(*state);
}

void on_dispatch_end(LoopId loop) noexcept {
  if (LoopState* state = state_of(loop)) account_dispatch_end(*state);
}

void on_timer_due(LoopId loop, WatcherId, std::int64_t late_ns) noexcept {
  if (LoopState* state = state_of(loop)) account_timer_due(*state, late_ns);
}

const DebugHooks kHooks = {
    .loop_created = &on_loop_created,
    .check = &on_check,
    .created = &on_created,
    .used = &on_used,
    .destroyed = &on_destroyed,
    .enter = &on_enter,
    .leave = &on_leave,
    .dispatch_begin = &on_dispatch_begin,
    .dispatch_end = &on_dispatch_end,
    .timer_due = &on_timer_due,
    .blocking_wait = &on_blocking_wait,
};

// Owns a loop's LoopState, as a service of the loop.
struct LoopStateService {
  explicit LoopStateService(Loop& loop) : state(std::make_unique<LoopState>(loop)) {}
  std::unique_ptr<LoopState> state;
};

}  // namespace

QuietScope::QuietScope() noexcept { ++t_quiet; }
QuietScope::~QuietScope() { --t_quiet; }
bool quiet() noexcept { return t_quiet > 0; }

void log_line(LogLevel level, const std::string& line) { debug_context().log(level, line); }

std::size_t callback_depth() noexcept { return t_running.size(); }

std::uint64_t running_on_this_thread() noexcept { return t_running.empty() ? 0 : t_running.back(); }

Switches& switches() noexcept {
  static Switches s;
  return s;
}

void update_hooks() noexcept {
  Switches& s = switches();
  bool on = s.wrap.load() > 0 || s.strict.load() || s.metrics.load() || s.shells.load() > 0;
  set_debug_hooks(on ? &kHooks : nullptr);
  if (!on) {
    // With no hook installed, no destroy is seen: the records would outlive their watchers.
    Registry& reg = registry();
    std::lock_guard lock(reg.mutex);
    reg.by_node.clear();
    reg.by_id.clear();
  }
}

LoopList& loop_list() {
  static LoopList* list = new LoopList;  // never destroyed: loops may outlive static destruction
  return *list;
}

LoopState::LoopState(Loop& l) : loop(l), id(debug_loop_id(l)), model(l.model()) {
  LoopList& list = loop_list();
  std::lock_guard lock(list.mutex);
  number = list.next_number++;
  list.all.push_back(this);
  set_debug_slot(l, this);
}

LoopState::~LoopState() {
  LoopList& list = loop_list();
  std::lock_guard lock(list.mutex);
  std::erase(list.all, this);
  set_debug_slot(loop, nullptr);
}

LoopState& attach(Loop& loop) {
  if (LoopState* s = state_of(debug_loop_id(loop))) return *s;
  return *loop.service<LoopStateService>().state;
}

std::int64_t mono_ns() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace ae::debug_internal
