// Strict mode's checks (debug/strict.h), called from the hooks while strict mode is on. Private
// to //debug.
#pragma once

#include <source_location>

#include "core/debug_hook.h"
#include "core/loop.h"

namespace ae::debug_internal {

struct LoopState;

// Throws debug::StrictViolation when `spec` breaks a rule, or `loop` runs on another thread.
void strict_check_watcher(Loop& loop, const WatcherSpec& spec);
// Throws when `watcher` is re-armed (at `where`) on a thread other than its loop's.
void strict_check_use(WatcherId watcher, std::source_location where);
// Throws when a blocking wait on `loop` starts inside one of the callbacks it would run.
void strict_check_wait(Loop& loop, std::source_location where);
// Once a second: logs, once each, the io watchers of `state`'s loop whose fd was closed.
void strict_check_fds(LoopState& state);

}  // namespace ae::debug_internal
