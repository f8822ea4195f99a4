// What //fork keeps alive beyond its handles (an Rpc or Pool finishing after it was dropped) is
// let go when its loop is destroyed, through this per-loop service. Private to //fork.
#pragma once

#include <memory>
#include <vector>

#include "core/loop.h"

namespace ae::fork_internal {

// Something that keeps itself alive until its work is done, and can be told to stop at once.
struct Abandonable {
  virtual ~Abandonable() = default;
  // Closes its fds and drops its watchers and its self-reference; no callback runs afterwards.
  virtual void abandon() noexcept = 0;
};

class LoopEnd {
 public:
  void add(std::weak_ptr<Abandonable> a) {
    std::erase_if(live_, [](const std::weak_ptr<Abandonable>& w) { return w.expired(); });
    live_.push_back(std::move(a));
  }
  // Oldest first: a pool drops its workers' Rpc handles before those Rpcs are abandoned.
  void shutdown() noexcept {
    for (std::size_t i = 0; i < live_.size(); ++i) {
      if (auto a = live_[i].lock()) a->abandon();
    }
    live_.clear();
  }

 private:
  std::vector<std::weak_ptr<Abandonable>> live_;
};

}  // namespace ae::fork_internal
