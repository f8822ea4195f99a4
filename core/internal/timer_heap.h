// A 4-ary min-heap of intrusive timer nodes, ordered by (deadline, sequence). Private to //core.
//
// Each node records its heap index, so removal and re-keying are O(log n) with no search and no
// allocation once the array has grown; equal deadlines pop in creation (sequence) order. The
// keys are copied into the array beside the node pointers (libev's EV_HEAP_CACHE_AT), so sifting
// compares array entries without touching the nodes.
#pragma once

#include <cstdint>
#include <vector>

#include "core/internal/watcher_node.h"

namespace ae::core_internal {

class TimerHeap {
 public:
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  TimerNode* top() const noexcept { return entries_.front().node; }

  void push(TimerNode* n) {
    entries_.push_back(entry(n));
    sift_up(entries_.size() - 1, entries_.back());
  }

  void remove(TimerNode* n) noexcept {
    std::size_t i = static_cast<std::size_t>(n->heap_index);
    n->heap_index = -1;
    Entry last = entries_.back();
    entries_.pop_back();
    if (last.node == n) return;
    fix(i, last);
  }

  // Restores the heap after `n`'s deadline or sequence changed.
  void update(TimerNode* n) noexcept { fix(static_cast<std::size_t>(n->heap_index), entry(n)); }

 private:
  static constexpr std::size_t kArity = 4;

  struct Entry {
    MonoNs deadline;
    std::uint64_t sequence;
    TimerNode* node;
  };

  static Entry entry(TimerNode* n) noexcept { return {n->deadline, n->sequence, n}; }

  static bool before(const Entry& a, const Entry& b) noexcept {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence);
  }

  void place(std::size_t i, const Entry& e) noexcept {
    entries_[i] = e;
    e.node->heap_index = static_cast<std::int32_t>(i);
  }

  // Puts `e` at hole `i` and moves it up or down to where it belongs.
  void fix(std::size_t i, const Entry& e) noexcept {
    if (i > 0 && before(e, entries_[(i - 1) / kArity])) {
      sift_up(i, e);
    } else {
      sift_down(i, e);
    }
  }

  void sift_up(std::size_t i, Entry e) noexcept {
    while (i > 0) {
      std::size_t parent = (i - 1) / kArity;
      if (!before(e, entries_[parent])) break;
      place(i, entries_[parent]);
      i = parent;
    }
    place(i, e);
  }

  void sift_down(std::size_t i, Entry e) noexcept {
    const std::size_t count = entries_.size();
    for (;;) {
      std::size_t first = i * kArity + 1;
      if (first >= count) break;
      std::size_t best = first;
      std::size_t end = first + kArity < count ? first + kArity : count;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (before(entries_[c], entries_[best])) best = c;
      }
      if (!before(entries_[best], e)) break;
      place(i, entries_[best]);
      i = best;
    }
    place(i, e);
  }

  std::vector<Entry> entries_;
};

}  // namespace ae::core_internal
