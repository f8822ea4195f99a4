// Configuration changes: each runs under State::mu and ends by publishing a new Graph. Shared by
// the Context methods and configure().
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "log/internal/state.h"

namespace ae::log_internal {

// Runs `change(state, garbage)` under State::mu, then publishes; whatever the change released is
// destroyed after the lock is gone.
template <class F>
auto mutate(F&& change) {
  State& s = ready();
  Garbage garbage;
  std::lock_guard lock(s.mu);
  if constexpr (std::is_void_v<decltype(change(s, garbage))>) {
    change(s, garbage);
    publish_locked(s, garbage);
  } else {
    auto result = change(s, garbage);
    publish_locked(s, garbage);
    return result;
  }
}

// Reads under State::mu.
template <class F>
auto inspect(F&& read) {
  State& s = ready();
  std::lock_guard lock(s.mu);
  return read(s);
}

void set_target_locked(NodeConfig& cfg, std::shared_ptr<Target> target, Garbage& garbage);
void attach_locked(NodeConfig& cfg, std::shared_ptr<Node> slave);
void detach_all_locked(NodeConfig& cfg, Garbage& garbage);

}  // namespace ae::log_internal
