// Strict mode's checks (debug/strict.h), called from the hooks while strict mode is on. Private
// to //debug.
#pragma once

#include "core/debug_hook.h"
#include "core/loop.h"
#include "core/source_location.h"

namespace ae::debug_internal {

struct LoopState;

// Throws debug::StrictViolation when `spec` breaks a rule, or `loop` runs on another thread.
void strict_check_watcher(Loop& loop, const WatcherSpec& spec);
// Throws when `watcher` is re-armed (at `where`) on a thread other than its loop's.
void strict_check_use(WatcherId watcher, ae::SourceLocation where);
// Throws when a blocking wait on `loop` starts inside one of the callbacks it would run.
void strict_check_wait(Loop& loop, ae::SourceLocation where);
// Once a second: logs, once each, the io watchers of `state`'s loop whose fd was closed.
void strict_check_fds(LoopState& state);

}  // namespace ae::debug_internal
