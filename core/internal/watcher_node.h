// The intrusive nodes behind every watcher handle. Private to //core.
//
// A watcher handle (ae::Io, ae::Timer, ...) owns one node. The loop links nodes into its tables
// and, when events arrive, into the pending array; destroying a handle unlinks its node and clears
// its pending slot, so a destroyed watcher can never be invoked. A node whose callback is running
// when its handle dies is only marked `released`; the invoker frees it once the callback returns.
//
// A node's `loop` pointer stays valid for the node's whole life: when a Loop is destroyed while
// nodes still exist, its LoopCore shuts down (every node becomes inert) and lingers, holding only
// its node pool, until the last node is freed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "core/function.h"

namespace ae::core_internal {

class LoopCore;

// Monotonic time in nanoseconds (CLOCK_MONOTONIC, the clock of std::chrono::steady_clock).
using MonoNs = std::int64_t;

struct WatcherNode {
  enum class Kind : std::uint8_t {
    kIo,
    kTimer,
    kSignal,
    kChild,
    kIdle,
    kPrepare,
    kCheck,
    kPeriodic,
  };

  explicit WatcherNode(Kind k, LoopCore* l) noexcept : loop(l), kind(k) {}
  WatcherNode(const WatcherNode&) = delete;
  WatcherNode& operator=(const WatcherNode&) = delete;
  virtual ~WatcherNode() = default;

  // Runs the callback once. Called only by the loop's invoker.
  virtual void invoke() = 0;

  LoopCore* loop;  // the loop that made it (see above: valid as long as the node)
  std::int32_t pending_index = -1;
  std::uint16_t running = 0;  // nesting depth of invoke() on this node
  bool active = false;        // counted in the loop's active watchers
  bool referenced = true;     // counted as keeping the loop running while active (ref/unref)
  bool released = false;      // the handle is gone; free when running drops to 0
  bool pooled = false;        // memory from the loop's NodePool, not operator new
  Kind kind;
};

struct IoNode final : WatcherNode {
  IoNode(LoopCore* l, int f, bool w, Function<void()>&& c)
      : WatcherNode(Kind::kIo, l), fd(f), write(w), cb(std::move(c)) {}
  void invoke() override { cb(); }

  int fd;
  bool write;
  IoNode* prev = nullptr;  // in the fd's reader or writer list
  IoNode* next = nullptr;
  Function<void()> cb;
};

struct TimerNode : WatcherNode {
  TimerNode(LoopCore* l, Function<void()>&& c) : TimerNode(Kind::kTimer, l, std::move(c)) {}
  void invoke() final { cb(); }

  MonoNs deadline = 0;
  MonoNs interval = 0;         // 0: one-shot
  std::uint64_t sequence = 0;  // FIFO order among equal deadlines
  std::int32_t heap_index = -1;
  std::int32_t due_index = -1;  // in the loop's due-now list (zero delay) instead of the heap
  Function<void()> cb;

 protected:
  TimerNode(Kind k, LoopCore* l, Function<void()>&& c) : WatcherNode(k, l), cb(std::move(c)) {}
};

// A periodic watcher: a timer node whose deadline the loop derives from a wall-clock instant
// `at`, and derives again whenever the wall clock jumps. It sits in the timer heap with
// interval 0; its own schedule is below.
struct PeriodicNode final : TimerNode {
  PeriodicNode(LoopCore* l, double o, double i, Function<double(double)>&& r, Function<void()>&& c)
      : TimerNode(Kind::kPeriodic, l, std::move(c)),
        offset(o),
        every(i),
        reschedule(std::move(r)) {}

  double at = 0;      // the wall-clock time (seconds since the epoch) it fires next
  double offset = 0;  // with `every`: fires at offset + k * every; with every == 0, once at offset
  double every = 0;
  Function<double(double)> reschedule;  // if set: at = reschedule(now)
  PeriodicNode* prev = nullptr;         // in the loop's list of active periodics
  PeriodicNode* next = nullptr;
};

struct SignalNode final : WatcherNode {
  SignalNode(LoopCore* l, int s, Function<void()>&& c)
      : WatcherNode(Kind::kSignal, l), signum(s), cb(std::move(c)) {}
  void invoke() override { cb(); }

  int signum;
  SignalNode* prev = nullptr;
  SignalNode* next = nullptr;
  Function<void()> cb;
};

struct ChildNode final : WatcherNode {
  ChildNode(LoopCore* l, pid_t p, Function<void(pid_t, int)>&& c)
      : WatcherNode(Kind::kChild, l), pid(p), cb(std::move(c)) {}
  void invoke() override;  // delivers every status in `inbox`

  pid_t pid;  // 0: any child
  ChildNode* prev = nullptr;
  ChildNode* next = nullptr;
  std::vector<std::pair<pid_t, int>> inbox;  // statuses waiting for delivery
  Function<void(pid_t, int)> cb;
};

struct IdleNode final : WatcherNode {
  IdleNode(LoopCore* l, Function<void()>&& c) : WatcherNode(Kind::kIdle, l), cb(std::move(c)) {}
  void invoke() override { cb(); }

  IdleNode* prev = nullptr;
  IdleNode* next = nullptr;
  Function<void()> cb;
};

// A prepare or a check watcher: both run once per loop iteration, at its end or its start.
struct IterationNode final : WatcherNode {
  IterationNode(LoopCore* l, Kind k, Function<void()>&& c) : WatcherNode(k, l), cb(std::move(c)) {}
  void invoke() override { cb(); }

  IterationNode* prev = nullptr;
  IterationNode* next = nullptr;
  Function<void()> cb;
};

// An intrusive doubly linked list of nodes with prev/next members.
template <class Node>
struct NodeList {
  Node* head = nullptr;
  Node* tail = nullptr;
  std::size_t size = 0;

  bool empty() const noexcept { return head == nullptr; }

  void push_back(Node* n) noexcept {
    n->prev = tail;
    n->next = nullptr;
    (tail != nullptr ? tail->next : head) = n;
    tail = n;
    ++size;
  }

  void remove(Node* n) noexcept {
    (n->prev != nullptr ? n->prev->next : head) = n->next;
    (n->next != nullptr ? n->next->prev : tail) = n->prev;
    n->prev = n->next = nullptr;
    --size;
  }
};

}  // namespace ae::core_internal
