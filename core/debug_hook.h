// The hook through which //debug watches the loop: watcher creation and destruction, callback
// entry and exit, dispatch boundaries, timer lateness and blocking waits.
//
// //core never depends on //debug. It calls the installed DebugHooks, and none is installed
// unless //debug turns one of its features on (AE_DEBUG_WRAP, AE_STRICT, AE_DEBUG_SHELL,
// AE_DEBUG_METRICS / AE_STALL_MS, or the matching calls). With no hooks installed, each watcher
// creation and each callback costs one atomic load and a branch that is never taken: a program
// that links //debug and sets nothing runs as one that does not link it.
//
// Example (what //debug does):
//   static const ae::DebugHooks kHooks = {.created = &on_created};  // and the others
//   ae::set_debug_hooks(&kHooks);
//
// Thread safety: set_debug_hooks() may be called from any thread at any time; a hook already
// running on another thread finishes on the old table, so a table must outlive the program.
// The hooks run on the thread that makes the watcher or runs the loop.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "core/source_location.h"

namespace ae {

class Loop;

namespace core_internal {
class LoopCore;
struct WatcherNode;
}  // namespace core_internal

// The kinds of watcher.
enum class WatcherType : std::uint8_t {
  kIo,
  kTimer,
  kSignal,
  kChild,
  kIdle,
  kPrepare,
  kCheck,
  kPeriodic,
};

// How many kinds there are (for tables indexed by WatcherType).
inline constexpr std::size_t kWatcherTypeCount =
    static_cast<std::size_t>(WatcherType::kPeriodic) + 1;

// "io", "timer", "signal", "child", "idle", "prepare", "check", "periodic".
std::string_view watcher_type_name(WatcherType type) noexcept;

// What a watcher is asked to be made with, and where: the call of ae::io(), ae::timer(), ...
// in the program's own source (a ae::SourceLocation default argument captures it).
struct WatcherSpec {
  WatcherSpec(WatcherType t, ae::SourceLocation w) noexcept : type(t), where(w) {}

  WatcherType type;
  ae::SourceLocation where;
  int fd = -1;                   // io
  bool write = false;            // io: watching for writability
  double after = 0;              // timer, seconds; periodic: the offset
  double interval = 0;           // timer, periodic: seconds
  bool repeating = false;        // timer: made with an interval argument; periodic: a reschedule
                                 // function or an interval
  int signum = 0;                // signal
  std::string_view signal_name;  // signal: the name it was asked for by, if any
  pid_t pid = 0;                 // child
};

// A watcher or a loop as the hooks see it: an identity, valid until the destroyed hook (for a
// watcher) or the loop's destruction.
using WatcherId = const core_internal::WatcherNode*;
using LoopId = const core_internal::LoopCore*;

struct DebugHooks {
  // A loop was made (at the end of its constructor).
  void (*loop_created)(Loop& loop) = nullptr;
  // A watcher is about to be made, with core's own argument checks passed; may throw to refuse
  // it (the factory then throws that, and nothing was made).
  void (*check)(Loop& loop, const WatcherSpec& spec) = nullptr;
  // A watcher was made.
  void (*created)(Loop& loop, WatcherId watcher, const WatcherSpec& spec) = nullptr;
  // A watcher is used again through its handle (Io::start, Timer::set, at `where`); may throw.
  void (*used)(WatcherId watcher, ae::SourceLocation where) = nullptr;
  // A watcher's handle is gone (destroyed or reset): its callback never runs again. If the
  // callback is running now, leave() still follows for it.
  void (*destroyed)(WatcherId watcher) noexcept = nullptr;
  // A watcher's callback starts and ends; `error` is the exception it throws, if any (which then
  // goes on propagating, as core's rules say).
  void (*enter)(LoopId loop, WatcherId watcher) = nullptr;
  void (*leave)(LoopId loop, WatcherId watcher, const std::exception_ptr* error) noexcept = nullptr;
  // A dispatch (one loop iteration's callbacks) starts and ends; dispatches may nest (a
  // CondVar::recv() inside a callback). An exception out of a callback skips dispatch_end.
  void (*dispatch_begin)(LoopId loop) = nullptr;
  void (*dispatch_end)(LoopId loop) noexcept = nullptr;
  // A timer is due and queued `late_ns` nanoseconds after its deadline.
  void (*timer_due)(LoopId loop, WatcherId watcher, std::int64_t late_ns) noexcept = nullptr;
  // CondVar::recv() or wait_for() is about to run `loop` at `where`; may throw to refuse.
  void (*blocking_wait)(Loop& loop, ae::SourceLocation where) = nullptr;
};

namespace core_internal {
extern std::atomic<const DebugHooks*> g_debug_hooks;
}

// The installed hooks, or nullptr.
inline const DebugHooks* debug_hooks() noexcept {
  return core_internal::g_debug_hooks.load(std::memory_order_acquire);
}
// Installs `hooks` (nullptr: none). Unset members are skipped.
void set_debug_hooks(const DebugHooks* hooks) noexcept;

// One pointer per loop that //debug keeps its per-loop state in (nullptr until set). Use it on
// the loop's thread.
void* debug_slot(LoopId loop) noexcept;
void set_debug_slot(Loop& loop, void* state) noexcept;
// The identity of `loop` in the hooks.
LoopId debug_loop_id(Loop& loop) noexcept;

// What core knows of a watcher now: its type, its loop (nullptr once the loop is gone), whether
// its handle still holds it and it can fire.
WatcherType debug_watcher_type(WatcherId watcher) noexcept;
bool debug_watcher_active(WatcherId watcher) noexcept;

}  // namespace ae
