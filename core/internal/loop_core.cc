#include "core/internal/loop_core.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "core/internal/child_registry.h"
#include "core/internal/signal_hub.h"
#include "core/log_hook.h"
#include "core/loop.h"

namespace ae::core_internal {
namespace {

constexpr std::uint64_t kWakeTag = ~std::uint64_t{0};
constexpr std::uint64_t kSignalTag = ~std::uint64_t{0} - 1;
constexpr std::size_t kMinEvents = 64;
// The longest a periodic waits on the monotonic clock before it looks at the wall clock again
// (libev's MAX_BLOCKTIME), and the difference between the two clocks' progress that counts as a
// jump of the wall clock (smaller ones, NTP's slewing, are put right at that next look).
constexpr double kPeriodicRecheck = 59.743;
constexpr double kClockJump = 1.0;
constexpr std::size_t kMaxEvents = 4096;

std::system_error errno_error(const char* what) {
  return std::system_error(errno, std::generic_category(), what);
}

// Decrements a node's running count when an invocation ends, normally or by exception, and
// frees the node if its handle was destroyed meanwhile.
struct RunningScope {
  explicit RunningScope(WatcherNode* n) noexcept : node(n) { ++node->running; }
  ~RunningScope() {
    if (--node->running == 0 && node->released) node->loop->free_node(node);
  }
  WatcherNode* node;
};

}  // namespace

double wall_clock() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

MonoNs to_ns(double seconds, const char* what) {
  // The common case first: finite, in range (NaN fails both comparisons).
  if (seconds >= 0 && seconds < 9.0e9) return static_cast<MonoNs>(seconds * 1e9);
  if (std::isnan(seconds)) throw std::invalid_argument(std::string(what) + " is NaN");
  if (std::isinf(seconds)) throw std::invalid_argument(std::string(what) + " is infinite");
  // Saturate around 290 years rather than overflow.
  constexpr double kMax = 9.0e9;
  seconds = std::clamp(seconds, -kMax, kMax);
  return static_cast<MonoNs>(seconds * 1e9);
}

void ChildNode::invoke() {
  // Deliver in order; stop if the callback destroyed the watcher.
  std::size_t i = 0;
  struct Trim {
    ChildNode* self;
    std::size_t* done;
    ~Trim() {
      if (!self->released) {
        self->inbox.erase(self->inbox.begin(),
                          self->inbox.begin() + static_cast<std::ptrdiff_t>(*done));
      }
    }
  } trim{this, &i};
  try {
    while (i < inbox.size()) {
      auto [pid, status] = inbox[i++];
      cb(pid, status);
      if (released) return;
    }
  } catch (...) {
    // The statuses after the one whose callback threw go out on the next iteration, as every
    // other callback gathered for this one does.
    if (!released && i < inbox.size()) loop->requeue(this);
    throw;
  }
}

// ---- Construction -------------------------------------------------------------------------------

LoopCore::LoopCore(std::unique_ptr<Backend> backend)
    : backend_(std::move(backend)), posts_(std::make_unique<PostQueue>()) {
  if (!backend_) throw std::invalid_argument("ae::Loop: no backend");
  signal_hub_init_process();
  fork_watch_init();
  fork_generation_ = fork_generation();
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw errno_error("ae::Loop: epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    int e = errno;
    ::close(epoll_fd_);
    throw std::system_error(e, std::generic_category(), "ae::Loop: eventfd");
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    int e = errno;
    ::close(wake_fd_);
    ::close(epoll_fd_);
    throw std::system_error(e, std::generic_category(), "ae::Loop: epoll_ctl");
  }
  try {
    events_.resize(kMinEvents);
    signals_.resize(kMaxSignal + 1);
    signal_refs_.resize(kMaxSignal + 1);
    update_time();
    backend_->attach(*this, epoll_fd_);
  } catch (...) {
    backend_.reset();  // a backend that failed to attach lets go of the fd before it is closed
    ::close(wake_fd_);
    ::close(epoll_fd_);
    throw;
  }
  attached_ = true;
}

void LoopCore::close(LoopCore* core) noexcept {
  core->shutdown();
  core->dead_ = true;
  if (core->nodes_ == 0) delete core;
}

LoopCore::~LoopCore() = default;

void LoopCore::shutdown() noexcept {
  // A child destroying a loop it inherited (exit() destroys the thread's default loop) would
  // otherwise take the parent's fds out of the parent's epoll sets.
  after_fork_if_forked();
  // No backend calls from here on: unlinking below would otherwise re-arm it.
  bool was_attached = std::exchange(attached_, false);
  orphan_all();
  if (was_attached) backend_->detach();
  backend_.reset();
  if (signal_slot_ >= 0) {
    for (int s = 1; s <= kMaxSignal; ++s) {
      if (signal_refs_[s] > 0) signal_hub_unwatch(signal_slot_, s);
    }
    signal_hub_detach(signal_slot_);
    signal_slot_ = -1;
  }
  child_registry_remove_loop(this);
  ::close(wake_fd_);
  ::close(epoll_fd_);
  // A core that lingers for its remaining nodes keeps only its pool.
  std::vector<FdEntry>().swap(fds_);
  std::vector<epoll_event>().swap(events_);
  postponed_.clear();
}

void LoopCore::orphan_all() noexcept {
  for (FdEntry& e : fds_) {
    while (!e.readers.empty()) unlink(e.readers.head);
    while (!e.writers.empty()) unlink(e.writers.head);
  }
  while (!timers_.empty()) unlink(timers_.top());
  while (!periodics_.empty()) unlink(periodics_.head);
  for (TimerNode* n : due_now_) {
    if (n != nullptr) unlink(n);
  }
  for (auto& list : signals_) {
    while (!list.empty()) unlink(list.head);
  }
  while (!children_.empty()) unlink(children_.head);
  while (!idles_.empty()) unlink(idles_.head);
  while (!prepares_.empty()) unlink(prepares_.head);
  while (!checks_.empty()) unlink(checks_.head);
  for (WatcherNode* n : pending_) {
    if (n != nullptr) n->pending_index = -1;
  }
  pending_.clear();
  pending_pos_ = 0;
}

template <class Node, class... Args>
Node* LoopCore::new_node(Args&&... args) {
  constexpr bool kPooled = NodePool::kEnabled && sizeof(Node) <= NodePool::kBlockSize &&
                           alignof(Node) <= alignof(std::max_align_t);
  void* memory = kPooled ? pool_.allocate() : ::operator new(sizeof(Node));
  Node* n;
  try {
    n = ::new (memory) Node(this, std::forward<Args>(args)...);
  } catch (...) {
    if (kPooled) {
      pool_.deallocate(memory);
    } else {
      ::operator delete(memory);
    }
    throw;
  }
  n->pooled = kPooled;
  ++nodes_;
  return n;
}

// The nodes every watcher creation allocates should come from the pool.
static_assert(sizeof(IoNode) <= NodePool::kBlockSize);
static_assert(sizeof(TimerNode) <= NodePool::kBlockSize);

void LoopCore::free_node(WatcherNode* n) noexcept {
  bool pooled = n->pooled;
  n->~WatcherNode();
  if (pooled) {
    pool_.deallocate(n);
  } else {
    ::operator delete(n);
  }
  if (--nodes_ == 0 && dead_) delete this;
}

// ---- Node lifetime ------------------------------------------------------------------------------

void LoopCore::activate(WatcherNode* n) noexcept {
  if (!n->active) {
    n->active = true;
    ++(n->referenced ? active_ : unreferenced_);
  }
}

void LoopCore::deactivate(WatcherNode* n) noexcept {
  if (n->active) {
    n->active = false;
    --(n->referenced ? active_ : unreferenced_);
  }
}

void LoopCore::set_referenced(WatcherNode* n, bool referenced) noexcept {
  if (n->referenced == referenced) return;
  if (n->active && !dead_) {
    deactivate(n);
    n->referenced = referenced;
    activate(n);
    // The backend learns whether it may still keep the foreign loop running.
    rearm_later();
  } else {
    n->referenced = referenced;
  }
}

void LoopCore::unlink(WatcherNode* n) noexcept {
  switch (n->kind) {
    case WatcherNode::Kind::kIo:
      stop_io(static_cast<IoNode*>(n));
      break;
    case WatcherNode::Kind::kTimer:
      stop_timer(static_cast<TimerNode*>(n));
      break;
    case WatcherNode::Kind::kPeriodic:
      stop_periodic(static_cast<PeriodicNode*>(n));
      break;
    case WatcherNode::Kind::kSignal: {
      auto* s = static_cast<SignalNode*>(n);
      if (s->active) {
        signals_[s->signum].remove(s);
        unwatch_signal(s->signum);
      }
      break;
    }
    case WatcherNode::Kind::kChild: {
      auto* c = static_cast<ChildNode*>(n);
      if (c->active) {
        children_.remove(c);
        if (c->pid == 0) --any_child_watchers_;
        if (children_.empty()) unwatch_signal(SIGCHLD);
      }
      break;
    }
    case WatcherNode::Kind::kIdle: {
      auto* i = static_cast<IdleNode*>(n);
      if (i->active) idles_.remove(i);
      break;
    }
    case WatcherNode::Kind::kPrepare:
    case WatcherNode::Kind::kCheck: {
      auto* i = static_cast<IterationNode*>(n);
      if (i->active) (n->kind == WatcherNode::Kind::kPrepare ? prepares_ : checks_).remove(i);
      break;
    }
  }
  deactivate(n);
  unqueue(n);
}

void LoopCore::release(WatcherNode* n) noexcept {
  LoopCore* loop = n->loop;
  if (!loop->dead_) {
    loop->unlink(n);
    loop->rearm_if_idle();
  }
  if (n->running > 0) {
    n->released = true;
  } else {
    loop->free_node(n);
  }
}

// ---- Io -----------------------------------------------------------------------------------------

LoopCore::FdEntry& LoopCore::fd_entry(int fd) {
  if (static_cast<std::size_t>(fd) >= fds_.size()) {
    fds_.resize(std::max<std::size_t>(static_cast<std::size_t>(fd) + 1, fds_.size() * 2));
    // Each fd is queued at most once, so stop_io() (noexcept) never has to grow this.
    fd_changes_.reserve(fds_.size());
  }
  return fds_[static_cast<std::size_t>(fd)];
}

IoNode* LoopCore::make_io(int fd, bool write, Function<void()>&& cb) {
  if (fd < 0) throw std::invalid_argument("ae::io: negative fd " + std::to_string(fd));
  if (!cb) throw std::invalid_argument("ae::io: empty callback");
  FdEntry& e = fd_entry(fd);  // grow before allocating, so a failure leaks nothing
  // Only an fd nobody watches yet needs the probe (a system call); one already watched is open,
  // or its watchers are told when the kernel refuses it.
  if (e.readers.empty() && e.writers.empty() && ::fcntl(fd, F_GETFD) < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "ae::io: fd " + std::to_string(fd) + " is not open");
  }
  auto* n = new_node<IoNode>(fd, write, std::move(cb));
  start_io(n);
  return n;
}

void LoopCore::start_io(IoNode* n) {
  if (n->active) return;
  FdEntry& e = fd_entry(n->fd);
  (n->write ? e.writers : e.readers).push_back(n);
  activate(n);
  fd_changed(n->fd);
  request_dispatch();  // the kernel learns of the fd in a dispatch
}

void LoopCore::stop_io(IoNode* n) noexcept {
  if (!n->active) return;
  FdEntry& e = fds_[static_cast<std::size_t>(n->fd)];
  (n->write ? e.writers : e.readers).remove(n);
  after_fork_if_forked();  // a forked child's DEL must not reach its parent's epoll set
  if (e.readers.empty() && e.writers.empty() && e.registered != 0) {
    // The kernel forgets the fd now rather than at the next dispatch: its owner may close it as
    // soon as this returns, and the number may then be reused (by this thread or another) before
    // a deferred EPOLL_CTL_DEL ran, which would then act on somebody else's fd.
    epoll_event ev{};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, n->fd, &ev);
    e.registered = 0;
  }
  deactivate(n);
  unqueue(n);
  if (!e.changed) {
    e.changed = true;
    fd_changes_.push_back(n->fd);  // within the capacity fd_entry() reserved
  }
  rearm_if_idle();
}

void LoopCore::fd_changed(int fd) {
  FdEntry& e = fds_[static_cast<std::size_t>(fd)];
  if (!e.changed) {
    e.changed = true;
    fd_changes_.push_back(fd);
  }
}

void LoopCore::apply_fd_changes() {
  // By index: fd_failed() stops watchers, which may queue more changes while this runs.
  for (std::size_t i = 0; i < fd_changes_.size(); ++i) {  // NOLINT(modernize-loop-convert)
    int fd = fd_changes_[i];
    FdEntry& e = fds_[static_cast<std::size_t>(fd)];
    e.changed = false;
    std::uint32_t want = (e.readers.empty() ? 0u : std::uint32_t{EPOLLIN}) |
                         (e.writers.empty() ? 0u : std::uint32_t{EPOLLOUT});
    if (e.always_ready) {
      if (want == 0) {
        e.always_ready = false;
        std::erase(always_ready_, fd);
      }
      continue;
    }
    if (want == e.registered) continue;
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = static_cast<std::uint64_t>(fd);
    int rc;
    if (e.registered == 0) {
      rc = ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
      if (rc != 0 && errno == EEXIST) rc = ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
    } else {
      rc = ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
      // The fd was closed and reopened under the same number since we registered it.
      if (rc != 0 && errno == ENOENT) rc = ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    }
    if (rc == 0) {
      e.registered = want;
    } else {
      fd_failed(fd, errno);
    }
  }
  fd_changes_.clear();
}

void LoopCore::fd_failed(int fd, int error) {
  FdEntry& e = fds_[static_cast<std::size_t>(fd)];
  e.registered = 0;
  if (error == EPERM) {
    // epoll refuses regular files and directories; they never block, so they are always ready.
    e.always_ready = true;
    always_ready_.push_back(fd);
    return;
  }
  // The fd was closed under a live watcher. Run each watcher once so its own read or write sees
  // the error, then stop them all rather than spin.
  core_log(LogLevel::kError, "ae::core",
           "io watchers on fd " + std::to_string(fd) + " stopped: " + std::strerror(error));
  for (NodeList<IoNode>* list : {&e.writers, &e.readers}) {
    while (!list->empty()) {
      IoNode* n = list->head;
      list->remove(n);
      deactivate(n);
      queue(n);
    }
  }
}

void LoopCore::queue_fd(FdEntry& e, std::uint32_t revents) {
  // Writers before readers, as AnyEvent::Loop dispatches them.
  if (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
    for (IoNode* n = e.writers.head; n != nullptr; n = n->next) queue(n);
  }
  if (revents & (EPOLLIN | EPOLLPRI | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
    for (IoNode* n = e.readers.head; n != nullptr; n = n->next) queue(n);
  }
}

// ---- Timers -------------------------------------------------------------------------------------

TimerNode* LoopCore::make_timer(MonoNs after, MonoNs interval, Function<void()>&& cb) {
  if (!cb) throw std::invalid_argument("ae::timer: empty callback");
  if (interval < 0) throw std::invalid_argument("ae::timer: negative interval");
  auto* n = new_node<TimerNode>(std::move(cb));
  start_timer(n, after, interval);
  return n;
}

void LoopCore::start_timer(TimerNode* n, MonoNs after, MonoNs interval) {
  if (interval < 0) throw std::invalid_argument("ae::timer: negative interval");
  unqueue(n);
  bool was_referenced = referenced();
  n->interval = interval;
  n->sequence = timer_sequence_++;
  if (after <= 0) {
    unlink_timer(n);
    n->deadline = mono_now_;
    n->due_index = static_cast<std::int32_t>(due_now_.size());
    due_now_.push_back(n);
    activate(n);
    request_dispatch();
    return;
  }
  n->deadline = mono_now_ + after;
  if (n->due_index >= 0) unlink_timer(n);
  if (n->heap_index >= 0) {
    timers_.update(n);
  } else {
    timers_.push(n);
  }
  activate(n);
  // The backend needs a new deadline only when this timer is now the earliest one.
  if (dispatch_depth_ == 0 && (n->heap_index == 0 || !was_referenced)) rearm();
}

void LoopCore::unlink_timer(TimerNode* n) noexcept {
  if (n->heap_index >= 0) timers_.remove(n);
  if (n->due_index >= 0) {
    due_now_[static_cast<std::size_t>(n->due_index)] = nullptr;
    n->due_index = -1;
  }
}

void LoopCore::stop_timer(TimerNode* n) noexcept {
  unlink_timer(n);
  deactivate(n);
  unqueue(n);
  rearm_if_idle();
}

void LoopCore::reschedule(TimerNode* n) {
  // AnyEvent's rule: no catch-up bursts after a slow callback or a late iteration.
  n->deadline = std::max(n->deadline + n->interval, mono_now_);
  n->sequence = timer_sequence_++;
  if (n->heap_index >= 0) {
    timers_.update(n);
  } else {
    timers_.push(n);
  }
}

void LoopCore::collect_timers() {
  // Merge the due-now list (FIFO, so sorted by (deadline, sequence)) with the due part of the
  // heap, so that timers fire in deadline order and equal deadlines in creation order.
  std::size_t next_due = 0;
  auto due_head = [&]() -> TimerNode* {
    while (next_due < due_now_.size() && due_now_[next_due] == nullptr) ++next_due;
    return next_due < due_now_.size() ? due_now_[next_due] : nullptr;
  };
  for (;;) {
    TimerNode* from_list = due_head();
    TimerNode* from_heap = timers_.empty() ? nullptr : timers_.top();
    // A repeating timer rescheduled to `now` in this pass sorts after every other due timer;
    // meeting it again means the due ones are done.
    if (from_heap != nullptr &&
        (from_heap->deadline > mono_now_ || from_heap->pending_index >= 0)) {
      from_heap = nullptr;
    }
    TimerNode* n;
    if (from_list != nullptr &&
        (from_heap == nullptr || from_list->deadline < from_heap->deadline ||
         (from_list->deadline == from_heap->deadline &&
          from_list->sequence < from_heap->sequence))) {
      n = from_list;
      due_now_[next_due++] = nullptr;
      n->due_index = -1;
    } else if (from_heap != nullptr) {
      n = from_heap;
      if (n->interval == 0) timers_.remove(n);
      if (n->kind == WatcherNode::Kind::kPeriodic) {
        periodic_due(static_cast<PeriodicNode*>(n));
        continue;
      }
    } else {
      break;
    }
    if (const DebugHooks* h = debug_hooks(); h != nullptr && h->timer_due != nullptr) [[unlikely]] {
      h->timer_due(this, n, mono_now_ - n->deadline);
    }
    if (n->interval > 0) {
      reschedule(n);
    } else {
      deactivate(n);
    }
    queue(n);
  }
  due_now_.clear();
}

// ---- Periodics ----------------------------------------------------------------------------------

double LoopCore::next_instant(PeriodicNode* n, double now) {
  if (!n->reschedule) return periodic_next(n->offset, n->every, now);
  double at = n->reschedule(now);
  if (!(at > now) || std::isinf(at)) {
    throw std::logic_error("ae::periodic: the reschedule function returned " + std::to_string(at) +
                           " for now " + std::to_string(now) + "; it must be a later time");
  }
  return at;
}

PeriodicNode* LoopCore::make_periodic(double offset, double interval,
                                      Function<double(double)>&& reschedule,
                                      Function<void()>&& cb) {
  if (!cb) throw std::invalid_argument("ae::periodic: empty callback");
  if (!std::isfinite(offset)) throw std::invalid_argument("ae::periodic: offset is not finite");
  if (!std::isfinite(interval) || interval < 0) {
    throw std::invalid_argument("ae::periodic: interval is not a finite number >= 0");
  }
  auto* n = new_node<PeriodicNode>(offset, interval, std::move(reschedule), std::move(cb));
  try {
    n->at = next_instant(n, wall_now_);
    key_periodic(n);
  } catch (const std::logic_error& e) {
    free_node(n);
    throw std::invalid_argument(e.what());
  } catch (...) {
    free_node(n);
    throw;
  }
  if (periodics_.empty()) clock_offset_ = wall_now_ - static_cast<double>(mono_now_) * 1e-9;
  periodics_.push_back(n);
  activate(n);
  rearm_later();
  return n;
}

MonoNs LoopCore::periodic_deadline(const PeriodicNode* n) const noexcept {
  double wait = std::min(n->at - wall_now_, kPeriodicRecheck);
  return mono_now_ + (wait > 0 ? static_cast<MonoNs>(wait * 1e9) + 1 : 0);
}

void LoopCore::key_periodic(PeriodicNode* n) {
  n->deadline = periodic_deadline(n);
  n->sequence = timer_sequence_++;
  if (n->heap_index >= 0) {
    timers_.update(n);
  } else {
    timers_.push(n);  // after its first time, within the capacity it left when it was taken out
  }
}

void LoopCore::stop_periodic(PeriodicNode* n) noexcept {
  if (n->active) periodics_.remove(n);
  unlink_timer(n);
  deactivate(n);
  unqueue(n);
  rearm_if_idle();
}

void LoopCore::notice_clock_jump() noexcept {
  if (periodics_.empty()) return;
  // Compared from one dispatch to the next, so that the clocks' slow drift apart never adds up
  // to a jump.
  double offset = wall_now_ - static_cast<double>(mono_now_) * 1e-9;
  double moved = offset - std::exchange(clock_offset_, offset);
  if (std::abs(moved) < kClockJump) return;
  // As libev does: a periodic of offset and interval, or of a reschedule function, counts its next
  // instant from the new time; a one-shot keeps its instant.
  for (PeriodicNode* n = periodics_.head; n != nullptr; n = n->next) {
    if (n->every > 0) n->at = periodic_next(n->offset, n->every, wall_now_);
    if (n->reschedule) {
      try {
        n->at = next_instant(n, wall_now_);
      } catch (const std::exception& e) {
        core_log(LogLevel::kError, "ae::core",
                 std::string("periodic kept its instant after a clock jump: ") + e.what());
      }
    }
    // Every active periodic is in the heap: re-keying it allocates nothing.
    n->deadline = periodic_deadline(n);
    timers_.update(n);
  }
}

void LoopCore::periodic_due(PeriodicNode* n) {
  // Out of the heap already (its interval, as a timer, is 0).
  if (wall_now_ < n->at) {
    key_periodic(n);  // woken early: to look at the clock, or the clock went back
    return;
  }
  if (const DebugHooks* h = debug_hooks(); h != nullptr && h->timer_due != nullptr) [[unlikely]] {
    h->timer_due(this, n, mono_now_ - n->deadline);
  }
  if (n->every == 0 && !n->reschedule) {
    periodics_.remove(n);
    deactivate(n);
    n->at = 0;
  } else {
    try {
      n->at = next_instant(n, wall_now_);
    } catch (...) {
      periodics_.remove(n);
      deactivate(n);
      n->at = 0;
      throw;
    }
    key_periodic(n);
  }
  queue(n);
}

// ---- Signals ------------------------------------------------------------------------------------

void LoopCore::watch_signal(int signum) {
  after_fork_if_forked();
  if (signal_slot_ < 0) {
    signal_slot_ = signal_hub_attach(&signal_fd_);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kSignalTag;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd_, &ev) != 0) {
      int e = errno;
      signal_hub_detach(signal_slot_);
      signal_slot_ = -1;
      throw std::system_error(e, std::generic_category(), "ae::signal: epoll_ctl");
    }
  }
  if (signal_refs_[signum] == 0) signal_hub_watch(signal_slot_, signum);
  ++signal_refs_[signum];
}

void LoopCore::unwatch_signal(int signum) noexcept {
  if (--signal_refs_[signum] == 0) signal_hub_unwatch(signal_slot_, signum);
}

SignalNode* LoopCore::make_signal(int signum, Function<void()>&& cb) {
  if (signum < 1 || signum > kMaxSignal || signum == SIGKILL || signum == SIGSTOP) {
    throw std::invalid_argument("ae::signal: " + std::to_string(signum) +
                                " is not a signal that can be caught");
  }
  if (!cb) throw std::invalid_argument("ae::signal: empty callback");
  watch_signal(signum);
  SignalNode* n;
  try {
    n = new_node<SignalNode>(signum, std::move(cb));
  } catch (...) {
    unwatch_signal(signum);  // no handler stays installed for a watcher that never was
    throw;
  }
  signals_[signum].push_back(n);
  activate(n);
  rearm_later();
  return n;
}

void LoopCore::handle_signals() {
  std::uint64_t bits = signal_hub_take(signal_slot_);
  for (int s = 1; bits != 0; ++s, bits >>= 1) {
    if ((bits & 1) == 0) continue;
    if (s == SIGCHLD && !children_.empty()) child_check_ = true;
    for (SignalNode* n = signals_[s].head; n != nullptr; n = n->next) queue(n);
  }
}

// ---- Children -----------------------------------------------------------------------------------

ChildNode* LoopCore::make_child(pid_t pid, Function<void(pid_t, int)>&& cb) {
  if (pid < 0) throw std::invalid_argument("ae::child: pid " + std::to_string(pid) + " < 0");
  if (!cb) throw std::invalid_argument("ae::child: empty callback");
  std::optional<int> kept;
  if (pid > 0) {
    // The pid must be our child (waitid without reaping tells: it fails with ECHILD for
    // strangers and for children reaped already), or have a status kept from an earlier reap.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      // A child now, running or not yet reaped: a status kept for its pid is an earlier
      // process's, whose pid the kernel has given to this one since. It must not win.
      child_registry_take(pid);
    } else {
      int error = errno;
      kept = child_registry_take(pid);  // reaped and kept (perhaps by another loop just now)
      if (!kept) {
        throw std::system_error(
            error, std::generic_category(),
            "ae::child: pid " + std::to_string(pid) + " is not a child of this process");
      }
    }
  }
  // A watcher that could not be made leaves no SIGCHLD handler and no registration behind.
  bool first = children_.empty();
  if (first) watch_signal(SIGCHLD);
  ChildNode* n;
  try {
    if (first) child_registry_add_loop(this);
    n = new_node<ChildNode>(pid, std::move(cb));
  } catch (...) {
    if (first) {
      child_registry_remove_loop(this);
      unwatch_signal(SIGCHLD);
    }
    throw;
  }
  children_.push_back(n);
  if (pid == 0) ++any_child_watchers_;
  activate(n);
  if (kept) {
    child_queue(n, pid, *kept);
  } else {
    // The child may have exited before this watcher existed: look on the next dispatch.
    child_check_ = true;
  }
  rearm_later();
  return n;
}

void LoopCore::child_queue(ChildNode* n, pid_t pid, int status) {
  n->inbox.emplace_back(pid, status);
  if (n->pid != 0 && n->active) {
    // A process exits once: this watcher has nothing more to wait for.
    children_.remove(n);
    deactivate(n);
    if (children_.empty()) unwatch_signal(SIGCHLD);
  }
  queue(n);
}

bool LoopCore::child_watched_here(pid_t pid) const noexcept {
  for (ChildNode* n = children_.head; n != nullptr; n = n->next) {
    if (n->pid == pid) return true;
  }
  return false;
}

void LoopCore::child_deliver(pid_t pid, int status, bool reaped_here) {
  bool specific = false;
  for (ChildNode* n = children_.head; n != nullptr;) {
    ChildNode* next = n->next;  // child_queue may unlink n
    if (n->pid == pid) {
      specific = true;
      child_queue(n, pid, status);
    } else if (n->pid == 0 && reaped_here) {
      child_queue(n, pid, status);
    }
    n = next;
  }
  if (!specific && reaped_here) child_registry_keep(pid, status, this);
}

void LoopCore::child_reap() {
  child_check_ = false;
  int status = 0;
  if (any_child_watchers_ > 0) {
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) child_deliver(pid, status, true);
  } else {
    // Only the children asked about: other code in the program may wait for its own children.
    std::vector<pid_t> pids;
    for (ChildNode* n = children_.head; n != nullptr; n = n->next) pids.push_back(n->pid);
    for (pid_t p : pids) {
      if (::waitpid(p, &status, WNOHANG) == p) child_deliver(p, status, true);
    }
  }
  claim_kept_children();
}

void LoopCore::claim_kept_children() {
  std::vector<pid_t> pids;
  for (ChildNode* n = children_.head; n != nullptr; n = n->next) {
    if (n->pid != 0) pids.push_back(n->pid);
  }
  for (pid_t p : pids) {
    if (auto status = child_registry_take(p)) child_deliver(p, *status, false);
  }
}

// ---- Idle ---------------------------------------------------------------------------------------

IdleNode* LoopCore::make_idle(Function<void()>&& cb) {
  if (!cb) throw std::invalid_argument("ae::idle: empty callback");
  auto* n = new_node<IdleNode>(std::move(cb));
  idles_.push_back(n);
  activate(n);
  rearm_later();
  return n;
}

// ---- Prepare and check --------------------------------------------------------------------------

IterationNode* LoopCore::make_iteration(bool prepare, Function<void()>&& cb) {
  if (!cb) {
    throw std::invalid_argument(prepare ? "ae::prepare: empty callback"
                                        : "ae::check: empty callback");
  }
  auto* n = new_node<IterationNode>(
      prepare ? WatcherNode::Kind::kPrepare : WatcherNode::Kind::kCheck, std::move(cb));
  (prepare ? prepares_ : checks_).push_back(n);
  activate(n);
  // A prepare watcher runs before the next wait, so the loop must not wait before one dispatch.
  if (prepare) {
    request_dispatch();
  } else {
    rearm_later();
  }
  return n;
}

void LoopCore::run_iteration_watchers(NodeList<IterationNode>& list) {
  if (list.empty()) return;
  for (IterationNode* n = list.head; n != nullptr; n = n->next) queue(n);
  invoke_pending();
  run_postponed();
}

// ---- Deferred calls -----------------------------------------------------------------------------

void LoopCore::postpone(Function<void()> f) {
  if (!f) throw std::invalid_argument("ae::postpone: empty function");
  postponed_.push_back(std::move(f));
  request_dispatch();
}

void LoopCore::post(Function<void()> f) {
  if (!f) throw std::invalid_argument("ae::Loop::post: empty function");
  bool wake;
  {
    std::lock_guard lock(posts_->mutex);
    posts_->items.push_back(std::move(f));
    wake = !std::exchange(posts_->woken, true);
    // Under the lock: set after it, the flag could outlive a drain that took this item (and
    // found no eventfd write to come), and the loop would wait for a post that never comes.
    posts_waiting_.store(true, std::memory_order_release);
  }
  if (wake) {
    std::uint64_t one = 1;
    ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
    (void)ignored;
  }
}

void LoopCore::handle_wakeup() {
  std::uint64_t drained;
  ssize_t ignored = ::read(wake_fd_, &drained, sizeof drained);
  (void)ignored;
  std::vector<Function<void()>> items;
  {
    std::lock_guard lock(posts_->mutex);
    items.swap(posts_->items);
    posts_->woken = false;
    posts_waiting_.store(false, std::memory_order_relaxed);
  }
  for (auto& f : items) postponed_.push_back(std::move(f));
}

void LoopCore::run_postponed() {
  while (!postponed_.empty()) {
    Function<void()> f = std::move(postponed_.front());
    postponed_.pop_front();
    f();
  }
}

// ---- Dispatch -----------------------------------------------------------------------------------

void LoopCore::update_time() noexcept {
  mono_now_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  backend_->steady_now().time_since_epoch())
                  .count();
  wall_now_ = backend_->wall_now();
}

int LoopCore::poll_events(int wait_ms) {
  apply_fd_changes();
  int n = ::epoll_wait(epoll_fd_, events_.data(), static_cast<int>(events_.size()), wait_ms);
  if (n < 0) {
    if (errno != EINTR) core_log(LogLevel::kError, "ae::core", "epoll_wait failed");
    n = 0;
  }
  return n;
}

void LoopCore::collect_events(int n) {
  events_maybe_left_ = n > 0 && backend_->edge_triggered();
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = events_[static_cast<std::size_t>(i)];
    if (ev.data.u64 == kWakeTag) {
      handle_wakeup();
    } else if (ev.data.u64 == kSignalTag) {
      handle_signals();
    } else {
      std::size_t fd = static_cast<std::size_t>(ev.data.u64);
      if (fd < fds_.size()) queue_fd(fds_[fd], ev.events);
    }
  }
  if (static_cast<std::size_t>(n) == events_.size()) {
    events_maybe_left_ = true;
    if (events_.size() < kMaxEvents) events_.resize(events_.size() * 2);
  }
  for (int fd : always_ready_) queue_fd(fds_[static_cast<std::size_t>(fd)], EPOLLIN | EPOLLOUT);
  if (child_check_) child_reap();
}

void LoopCore::invoke_pending() {
  while (pending_pos_ < pending_.size()) {
    // Taken slots are cleared, so that an exception leaves only live nodes behind.
    WatcherNode* n = std::exchange(pending_[pending_pos_++], nullptr);
    if (n == nullptr) continue;
    n->pending_index = -1;
    RunningScope running(n);
    if (const DebugHooks* h = debug_hooks(); h == nullptr) [[likely]] {
      n->invoke();
    } else {
      invoke_observed(n, *h);
    }
  }
  pending_.clear();
  pending_pos_ = 0;
}

void LoopCore::invoke_observed(WatcherNode* n, const DebugHooks& hooks) {
  if (hooks.enter != nullptr) hooks.enter(this, n);
  try {
    n->invoke();
  } catch (...) {
    std::exception_ptr error = std::current_exception();
    if (hooks.leave != nullptr) hooks.leave(this, n, &error);
    throw;
  }
  if (hooks.leave != nullptr) hooks.leave(this, n, nullptr);
}

void LoopCore::dispatch() { run_dispatch(0); }

void LoopCore::wait_and_dispatch(int timeout_ms) { run_dispatch(timeout_ms); }

void LoopCore::run_dispatch(int wait_ms) {
  after_fork_if_forked();
  // A loop with no foreign loop waits here, in the poll that gathers the events; a foreign loop
  // has waited already, and the poll below only looks.
  int ready = wait_ms != 0 ? poll_events(wait_ms) : -1;
  ++dispatch_depth_;
  dispatch_requested_ = false;
  struct Rearm {
    LoopCore* core;
    ~Rearm() {
      if (--core->dispatch_depth_ == 0) core->rearm();
    }
  } rearm_at_end{this};

  update_time();
  notice_clock_jump();
  const DebugHooks* hooks = debug_hooks();
  if (hooks != nullptr && hooks->dispatch_begin != nullptr) [[unlikely]]
    hooks->dispatch_begin(this);
  run_iteration_watchers(checks_);
  collect_events(ready >= 0 ? ready : poll_events(0));
  collect_timers();
  if (pending_pos_ >= pending_.size() && postponed_.empty()) {
    for (IdleNode* n = idles_.head; n != nullptr; n = n->next) queue(n);
  }
  invoke_pending();
  run_postponed();
  run_iteration_watchers(prepares_);
  if (hooks != nullptr && hooks->dispatch_end != nullptr) [[unlikely]]
    hooks->dispatch_end(this);
}

bool LoopCore::referenced() const noexcept {
  return active_ > 0 || waiters_ > 0 || !postponed_.empty() || pending_pos_ < pending_.size() ||
         posts_waiting_.load(std::memory_order_acquire);
}

bool LoopCore::has_immediate_work() const noexcept {
  // Pending fd changes count: the epoll set learns of a new io watcher only in a dispatch, so
  // waiting without one would leave that watcher deaf until some other event came.
  return pending_pos_ < pending_.size() || !postponed_.empty() || !idles_.empty() ||
         !due_now_.empty() || !fd_changes_.empty() || !always_ready_.empty() ||
         events_maybe_left_ || child_check_ ||
         (!timers_.empty() && timers_.top()->deadline <= mono_now_);
}

void LoopCore::rearm() noexcept {
  if (!attached_) return;
  after_fork_if_forked();  // every backend call but run_once() and detach() comes through here
  try {
    bool keeps_running = referenced();
    // Unreferenced watchers go on being served only by a backend that can wait for them without
    // keeping its foreign loop running.
    if (!keeps_running && (unreferenced_ == 0 || !backend_->set_referenced(false))) {
      backend_->disarm_poll();
      backend_->set_deadline(std::nullopt);
      return;
    }
    if (keeps_running) backend_->set_referenced(true);
    backend_->arm_poll();
    if (has_immediate_work()) backend_->schedule_now();
    if (timers_.empty()) {
      backend_->set_deadline(std::nullopt);
    } else {
      MonoNs until = timers_.top()->deadline - mono_now_;
      // Deadlines are measured from the cached time; steady_clock is the same monotonic clock.
      auto deadline = std::chrono::steady_clock::time_point(
          std::chrono::nanoseconds(mono_now_ + std::max<MonoNs>(until, 0)));
      backend_->set_deadline(deadline);
    }
  } catch (const std::exception& e) {
    core_log(LogLevel::kCritical, "ae::core", std::string("backend could not re-arm: ") + e.what());
  }
}

// ---- Fork ---------------------------------------------------------------------------------------

namespace {

// Puts a new kernel object (`fresh`, an fd or -1 when making it failed) under the number `fd`.
bool replace_fd(int fd, int fresh) noexcept {
  if (fresh < 0) return false;
  bool ok = ::dup3(fresh, fd, O_CLOEXEC) == fd;
  ::close(fresh);
  return ok;
}

}  // namespace

void LoopCore::after_fork() noexcept {
  fork_generation_ = fork_generation();
  // The same numbers, new objects: the backend's poll on epoll_fd_ and whatever else holds the
  // numbers need no telling, and the child's copies of the parent's objects are closed.
  if (!replace_fd(epoll_fd_, ::epoll_create1(EPOLL_CLOEXEC)) ||
      !replace_fd(wake_fd_, ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))) {
    core_log(
        LogLevel::kCritical, "ae::core",
        std::string("a loop could not make its own epoll set after fork: ") + std::strerror(errno));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  if (signal_slot_ >= 0) {  // the signal hub gave the slot a new eventfd at the fork
    ev.data.u64 = kSignalTag;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd_, &ev);
  }
  // Every watched fd goes into the new set on the next dispatch.
  for (std::size_t fd = 0; fd < fds_.size(); ++fd) {
    FdEntry& e = fds_[fd];
    e.registered = 0;
    if (!e.always_ready && (!e.readers.empty() || !e.writers.empty())) {
      fd_changed(static_cast<int>(fd));
    }
  }
  // Another thread may have held the post queue's lock at the fork; that thread does not exist
  // in the child, so the lock would never be released.
  if (posts_->mutex.try_lock()) {
    posts_->woken = false;
    posts_->mutex.unlock();
  } else {
    (void)posts_.release();  // a locked mutex may not be destroyed
    posts_ = std::make_unique<PostQueue>();
  }
  posts_waiting_.store(false, std::memory_order_relaxed);
  {
    std::lock_guard lock(posts_->mutex);
    if (!posts_->items.empty()) {
      posts_waiting_.store(true, std::memory_order_relaxed);
      posts_->woken = true;
      std::uint64_t one = 1;
      ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
      (void)ignored;
    }
  }
  if (!children_.empty()) child_registry_add_loop(this);  // the registry forgot every loop
  if (attached_) backend_->after_fork();
}

// ---- Running ------------------------------------------------------------------------------------

bool LoopCore::run_once(bool block) {
  rearm();
  if (!referenced() && !has_immediate_work()) return false;
  backend_->run_once(block);
  return referenced();
}

void LoopCore::run() {
  stop_requested_ = false;
  while (!stop_requested_ && referenced()) run_once(true);
  stop_requested_ = false;
}

}  // namespace ae::core_internal
