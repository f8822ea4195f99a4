// A 4-ary min-heap of intrusive timer nodes, ordered by (deadline, sequence). Private to //core.
//
// Each node records its heap index, so removal and re-keying are O(log n) with no search and no
// allocation once the array has grown; equal deadlines pop in creation (sequence) order.
#pragma once

#include <cstdint>
#include <vector>

#include "core/internal/watcher_node.h"

namespace ae::core_internal {

class TimerHeap {
 public:
  bool empty() const noexcept { return nodes_.empty(); }
  std::size_t size() const noexcept { return nodes_.size(); }
  TimerNode* top() const noexcept { return nodes_.front(); }
  const std::vector<TimerNode*>& nodes() const noexcept { return nodes_; }

  void push(TimerNode* n) {
    n->heap_index = static_cast<std::int32_t>(nodes_.size());
    nodes_.push_back(n);
    sift_up(nodes_.size() - 1);
  }

  void remove(TimerNode* n) noexcept {
    std::size_t i = static_cast<std::size_t>(n->heap_index);
    n->heap_index = -1;
    TimerNode* last = nodes_.back();
    nodes_.pop_back();
    if (last == n) return;
    place(i, last);
    fix(i);
  }

  // Restores the heap after `n`'s deadline or sequence changed.
  void update(TimerNode* n) noexcept { fix(static_cast<std::size_t>(n->heap_index)); }

  void clear() noexcept {
    for (TimerNode* n : nodes_) n->heap_index = -1;
    nodes_.clear();
  }

 private:
  static constexpr std::size_t kArity = 4;

  static bool before(const TimerNode* a, const TimerNode* b) noexcept {
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->sequence < b->sequence);
  }

  void place(std::size_t i, TimerNode* n) noexcept {
    nodes_[i] = n;
    n->heap_index = static_cast<std::int32_t>(i);
  }

  void fix(std::size_t i) noexcept {
    if (i > 0 && before(nodes_[i], nodes_[(i - 1) / kArity])) {
      sift_up(i);
    } else {
      sift_down(i);
    }
  }

  void sift_up(std::size_t i) noexcept {
    TimerNode* n = nodes_[i];
    while (i > 0) {
      std::size_t parent = (i - 1) / kArity;
      if (!before(n, nodes_[parent])) break;
      place(i, nodes_[parent]);
      i = parent;
    }
    place(i, n);
  }

  void sift_down(std::size_t i) noexcept {
    TimerNode* n = nodes_[i];
    const std::size_t count = nodes_.size();
    for (;;) {
      std::size_t first = i * kArity + 1;
      if (first >= count) break;
      std::size_t best = first;
      std::size_t end = first + kArity < count ? first + kArity : count;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (before(nodes_[c], nodes_[best])) best = c;
      }
      if (!before(nodes_[best], n)) break;
      place(i, nodes_[best]);
      i = best;
    }
    place(i, n);
  }

  std::vector<TimerNode*> nodes_;
};

}  // namespace ae::core_internal
