// The loop metrics' bookkeeping (debug/metrics.h), called from the hooks on the loop's thread.
// Private to //debug.
//
// A dispatch is one loop iteration's callbacks; the time between the end of an outermost
// dispatch and the start of the next is time spent waiting for events. A callback's time is its
// own: the time of callbacks nested inside it (a CondVar::recv() in a callback runs the loop
// again) is counted for them, not twice.
#pragma once

#include <cstdint>

#include "debug/internal/state.h"

namespace ae::debug_internal {

void account_dispatch_begin(LoopState& state) noexcept;
void account_dispatch_end(LoopState& state) noexcept;
void account_enter(LoopState& state);
// Returns the callback's own time in nanoseconds (0 when no enter was seen for it).
std::int64_t account_leave(LoopState& state) noexcept;
void account_timer_due(LoopState& state, std::int64_t late_ns) noexcept;

}  // namespace ae::debug_internal
