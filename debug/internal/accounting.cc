#include "debug/internal/accounting.h"

#include <algorithm>

namespace ae::debug_internal {

void account_dispatch_begin(LoopState& state) noexcept {
  // A dispatch that starts while no callback of this loop runs is an outermost one. Counting
  // that way, rather than trusting the nesting count alone, recovers from an exception that
  // skipped dispatch_end on its way out of run(). And a callback frame outside any dispatch was
  // entered before the hooks were installed and will never be left through them.
  if (!state.frames.empty() && state.dispatch_depth > 0) {
    ++state.dispatch_depth;
    return;
  }
  state.frames.clear();
  std::int64_t now = mono_ns();
  if (state.idle_since_ns != 0)
    bump(state.wait_ns, static_cast<std::uint64_t>(now - state.idle_since_ns));
  state.idle_since_ns = 0;
  state.dispatch_depth = 1;
  bump(state.iterations);
}

void account_dispatch_end(LoopState& state) noexcept {
  if (state.dispatch_depth > 0 && --state.dispatch_depth == 0) state.idle_since_ns = mono_ns();
}

void account_enter(LoopState& state) {
  bump(state.callbacks);
  state.frames.push_back({mono_ns(), 0});
}

std::int64_t account_leave(LoopState& state) noexcept {
  if (state.frames.empty()) return 0;  // entered before //debug watched this loop
  LoopState::Frame frame = state.frames.back();
  state.frames.pop_back();
  std::int64_t total = mono_ns() - frame.started_ns;
  std::int64_t own = std::max<std::int64_t>(total - frame.nested_ns, 0);
  if (!state.frames.empty()) state.frames.back().nested_ns += total;
  bump(state.callback_ns, static_cast<std::uint64_t>(own));
  return own;
}

void account_timer_due(LoopState& state, std::int64_t late_ns) noexcept {
  std::uint64_t late = static_cast<std::uint64_t>(std::max<std::int64_t>(late_ns, 0));
  bump(state.timers_due);
  bump(state.timer_lag_ns, late);
  raise_to(state.max_timer_lag_ns, late);
}

}  // namespace ae::debug_internal
