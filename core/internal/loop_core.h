// LoopCore: the watcher bookkeeping shared by every backend. Private to //core.
//
// One epoll set holds every fd that io watchers watch, plus an eventfd for cross-thread posts and
// (while signal or child watchers exist) the signal hub's eventfd. In a forked child, a loop made
// before the fork gives itself new ones before it next touches them (after_fork()). The backend
// only waits for that epoll fd and for the earliest timer deadline, then calls dispatch(), which:
//   1. refreshes the cached clocks and applies fd interest changes (coalesced per iteration);
//   2. polls the epoll set without blocking and queues the ready watchers (writers first, then
//      readers, as AnyEvent::Loop does), handles posts, signals and child exits;
//   3. queues the due timers (repeating ones are rescheduled before they run);
//   4. queues the idle watchers if nothing else was queued;
//   5. invokes the queue, then drains the postpone queue;
//   6. re-arms the backend.
// Check watchers run between 1 and 2 (the wait is over, nothing of it was handled yet), prepare
// watchers between 5 and 6 (nothing is left to do before the wait).
// Queued watchers sit in a pending array; destroying a watcher clears its slot, which is what
// makes destruction safe from any callback (libev's design).
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include "core/backend.h"
#include "core/debug_hook.h"
#include "core/internal/fork_watch.h"
#include "core/internal/node_pool.h"
#include "core/internal/timer_heap.h"
#include "core/internal/watcher_node.h"

namespace ae::core_internal {

class LoopCore final : public BackendHost {
 public:
  explicit LoopCore(std::unique_ptr<Backend> backend);
  LoopCore(const LoopCore&) = delete;
  LoopCore& operator=(const LoopCore&) = delete;

  // Ends the core of a Loop that is being destroyed: shuts it down (every node becomes inert)
  // and frees it now, or when its last node is freed.
  static void close(LoopCore* core) noexcept;
  bool dead() const noexcept { return dead_; }

  // ---- Watchers ----
  IoNode* make_io(int fd, bool write, Function<void()>&& cb);
  void start_io(IoNode* n);
  void stop_io(IoNode* n) noexcept;

  TimerNode* make_timer(MonoNs after, MonoNs interval, Function<void()>&& cb);
  void start_timer(TimerNode* n, MonoNs after, MonoNs interval);
  void stop_timer(TimerNode* n) noexcept;

  // A periodic of (offset, interval), or of `reschedule` when that is set.
  PeriodicNode* make_periodic(double offset, double interval, Function<double(double)>&& reschedule,
                              Function<void()>&& cb);

  SignalNode* make_signal(int signum, Function<void()>&& cb);
  ChildNode* make_child(pid_t pid, Function<void(pid_t, int)>&& cb);
  IdleNode* make_idle(Function<void()>&& cb);
  // A prepare watcher (`prepare`) or a check watcher.
  IterationNode* make_iteration(bool prepare, Function<void()>&& cb);

  // Queues `n` again: a child watcher whose callback threw has statuses left to deliver.
  void requeue(WatcherNode* n) { queue(n); }

  // The handle of `n` is gone: unlinks it and frees it now or after its running callback.
  static void release(WatcherNode* n) noexcept;
  // Destroys `n` and returns its memory (and frees a dead core with its last node).
  void free_node(WatcherNode* n) noexcept;

  // ---- Deferred calls ----
  void postpone(Function<void()> f);
  void post(Function<void()> f);  // any thread

  // ---- Running ----
  void run();
  bool run_once(bool block);
  void stop() noexcept { stop_requested_ = true; }
  void dispatch() override;
  void wait_and_dispatch(int timeout_ms) override;
  // True while a dispatch (and so a callback or a postponed call) is running.
  bool dispatching() const noexcept { return dispatch_depth_ > 0; }

  // Counts blocking CondVar::recv() calls in progress (AnyEvent's recursion check).
  int& waiters() noexcept { return waiters_; }

  // ---- Time ----
  MonoNs mono_now() const noexcept { return mono_now_; }
  double wall_now() const noexcept { return wall_now_; }
  void update_time() noexcept;

  Backend& backend() noexcept { return *backend_; }
  // Active watchers that keep the loop running, and those that do not (unref()).
  std::size_t active() const noexcept { return active_; }
  std::size_t unreferenced() const noexcept { return unreferenced_; }
  // WatcherHandle::ref / unref.
  void set_referenced(WatcherNode* n, bool referenced) noexcept;

  // //debug's per-loop state (core/debug_hook.h).
  void* debug_slot() const noexcept { return debug_slot_; }
  void set_debug_slot(void* state) noexcept { debug_slot_ = state; }

  // Called by the child reaper of another loop that reaped a child this loop may watch.
  void claim_kept_children();

 private:
  struct FdEntry {
    NodeList<IoNode> readers;
    NodeList<IoNode> writers;
    std::uint32_t registered = 0;  // the interest the kernel has now
    bool changed = false;          // queued in fd_changes_
    bool always_ready = false;     // epoll refused it (regular file): ready every iteration
  };

  struct PostQueue {
    std::mutex mutex;
    std::vector<Function<void()>> items;
    bool woken = false;  // the eventfd was written since the loop last drained
  };

  // Links `n` into the pending array unless it is already there.
  void queue(WatcherNode* n) {
    if (n->pending_index < 0) {
      n->pending_index = static_cast<std::int32_t>(pending_.size());
      pending_.push_back(n);
    }
  }
  void unqueue(WatcherNode* n) noexcept {
    if (n->pending_index >= 0) {
      pending_[static_cast<std::size_t>(n->pending_index)] = nullptr;
      n->pending_index = -1;
    }
  }
  void activate(WatcherNode* n) noexcept;
  void deactivate(WatcherNode* n) noexcept;
  void unlink(WatcherNode* n) noexcept;  // stop + unqueue, keeps loop pointer
  void orphan_all() noexcept;            // the loop is going: every node becomes inert

  FdEntry& fd_entry(int fd);
  void fd_changed(int fd);
  void apply_fd_changes();
  void fd_failed(int fd, int error);
  void queue_fd(FdEntry& e, std::uint32_t revents);

  // Polls the epoll set, waiting up to `wait_ms` (0: not at all; -1: no limit).
  int poll_events(int wait_ms);
  // Queues what poll_events() found (`ready` events), always-ready fds and reaped children.
  void collect_events(int ready);
  // One iteration; `wait_ms` as for poll_events().
  void run_dispatch(int wait_ms);
  void collect_timers();
  void invoke_pending();
  void invoke_observed(WatcherNode* n, const DebugHooks& hooks);
  void run_postponed();
  void handle_wakeup();
  void handle_signals();

  void watch_signal(int signum);
  void unwatch_signal(int signum) noexcept;

  // In a forked child, before this loop (made before the fork) touches a kernel object: makes
  // new ones under the same fd numbers and has the backend do the same for the foreign loop, so
  // that nothing the child does reaches its parent's (core/internal/fork_watch.h).
  void after_fork_if_forked() noexcept {
    if (fork_generation_ != fork_generation()) after_fork();
  }
  void after_fork() noexcept;

  void child_reap();
  void child_deliver(pid_t pid, int status, bool reaped_here);
  bool child_watched_here(pid_t pid) const noexcept;
  void child_queue(ChildNode* n, pid_t pid, int status);

  bool referenced() const noexcept;
  bool has_immediate_work() const noexcept;
  // Tells the backend what this loop needs next (poll, deadline, immediate dispatch).
  void rearm() noexcept;
  // rearm() unless a dispatch is running (it re-arms when it ends).
  void rearm_later() noexcept {
    if (dispatch_depth_ == 0) rearm();
  }
  // Outside a dispatch, asks the backend for one soon (new fds to register, postponed calls);
  // once per dispatch, however many watchers are made in between.
  void request_dispatch() noexcept {
    if (dispatch_depth_ == 0 && !dispatch_requested_) {
      dispatch_requested_ = true;
      rearm();
    }
  }
  // Outside a dispatch, after a watcher stopped: the backend needs telling only when nothing is
  // left to watch (so that a borrowed loop may return); otherwise an armed deadline or fd that is
  // no longer wanted costs at most one early dispatch, which re-arms.
  void rearm_if_idle() noexcept {
    if (dispatch_depth_ == 0 && !referenced()) rearm();
  }

  std::unique_ptr<Backend> backend_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd for post()
  std::vector<epoll_event> events_;
  bool events_maybe_left_ = false;  // the last poll filled events_ or found events (edge case)

  std::vector<FdEntry> fds_;
  std::vector<int> fd_changes_;
  std::vector<int> always_ready_;

  TimerHeap timers_;
  // Timers due at once (zero or negative delay) wait here in FIFO order instead of in the heap:
  // creating and firing them is O(1) (AnyEvent code uses such timers as "next iteration").
  // Destroyed ones leave a null slot.
  std::vector<TimerNode*> due_now_;
  std::uint64_t timer_sequence_ = 0;
  void unlink_timer(TimerNode* n) noexcept;  // out of the heap or the due-now list
  void reschedule(TimerNode* n);             // a repeating timer that fired

  // Periodics: the active ones, listed for a clock jump, which re-keys them all.
  NodeList<PeriodicNode> periodics_;
  double clock_offset_ = 0;  // wall_now_ - mono_now_ at the last dispatch with periodics
  // The next wall-clock instant of `n` after `now`; throws for a reschedule function's bad answer.
  static double next_instant(PeriodicNode* n, double now);
  // Puts `n` into the heap with the monotonic deadline its `at` means now (at most
  // kPeriodicRecheck away, so that a jump of the clock is noticed).
  void key_periodic(PeriodicNode* n);
  MonoNs periodic_deadline(const PeriodicNode* n) const noexcept;
  void stop_periodic(PeriodicNode* n) noexcept;
  // Re-keys every periodic when the wall clock moved apart from the monotonic one.
  void notice_clock_jump() noexcept;
  // Handles a periodic whose deadline came: queues it if its instant has come, else re-keys it.
  void periodic_due(PeriodicNode* n);

  std::vector<WatcherNode*> pending_;
  std::size_t pending_pos_ = 0;
  std::deque<Function<void()>> postponed_;

  // Signals: watcher lists per signal number, and this loop's slot in the signal hub.
  std::vector<NodeList<SignalNode>> signals_;  // index: signum
  std::vector<int> signal_refs_;               // watchers (+1 while child watchers exist)
  int signal_slot_ = -1;
  int signal_fd_ = -1;

  NodeList<ChildNode> children_;
  std::size_t any_child_watchers_ = 0;  // pid 0
  bool child_check_ = false;            // reap on the next dispatch

  NodeList<IdleNode> idles_;
  NodeList<IterationNode> prepares_;
  NodeList<IterationNode> checks_;
  // Queues every watcher of `list` and runs them (and what they postpone).
  void run_iteration_watchers(NodeList<IterationNode>& list);

  // Nodes are allocated here and counted, so that a dead core lives exactly as long as they do.
  template <class Node, class... Args>
  Node* new_node(Args&&... args);
  NodePool pool_;
  std::size_t nodes_ = 0;
  bool dead_ = false;
  ~LoopCore();
  void shutdown() noexcept;

  std::unique_ptr<PostQueue> posts_;
  std::atomic<bool> posts_waiting_{false};

  unsigned fork_generation_ = 0;  // fork_generation() when the kernel objects were made

  MonoNs mono_now_ = 0;
  double wall_now_ = 0;

  std::size_t active_ = 0;        // active and referenced: these keep run() going
  std::size_t unreferenced_ = 0;  // active but unreferenced
  void* debug_slot_ = nullptr;
  int waiters_ = 0;
  int dispatch_depth_ = 0;
  bool dispatch_requested_ = false;  // request_dispatch() asked and no dispatch ran since
  bool stop_requested_ = false;
  bool attached_ = false;
};

// The system's wall clock, in seconds since the epoch.
double wall_clock() noexcept;

// Converts seconds to nanoseconds for a timer: NaN and infinity throw std::invalid_argument
// naming `what`; huge values saturate.
MonoNs to_ns(double seconds, const char* what);

}  // namespace ae::core_internal
