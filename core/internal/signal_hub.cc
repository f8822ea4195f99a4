#include "core/internal/signal_hub.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace ae::core_internal {
namespace {

constexpr int kSlots = 64;

struct Slot {
  std::atomic<int> event_fd{-1};
  std::atomic<std::uint64_t> interest{0};
  std::atomic<std::uint64_t> pending{0};
  bool used = false;  // guarded by g_mutex
};

std::array<Slot, kSlots> g_slots;
std::mutex g_mutex;  // slot allocation and handler installation
std::array<int, kMaxSignal + 1> g_refs{};
std::array<struct sigaction, kMaxSignal + 1> g_saved{};

constexpr std::uint64_t bit(int signum) { return std::uint64_t{1} << (signum - 1); }

extern "C" void on_signal(int signum) {
  int saved_errno = errno;
  const std::uint64_t b = bit(signum);
  for (Slot& s : g_slots) {
    // Acquire: pairs with signal_hub_watch's store, so the slot's eventfd, made before the
    // interest was published (possibly on another thread), is seen as made here (TSan).
    if ((s.interest.load(std::memory_order_acquire) & b) == 0) continue;
    s.pending.fetch_or(b, std::memory_order_release);
    int fd = s.event_fd.load(std::memory_order_acquire);
    if (fd >= 0) {
      std::uint64_t one = 1;
      ssize_t ignored = ::write(fd, &one, sizeof one);
      (void)ignored;
    }
  }
  errno = saved_errno;
}

extern "C" void ignore_signal(int) {}

}  // namespace

int signal_hub_attach(int* event_fd) {
  std::lock_guard lock(g_mutex);
  for (int i = 0; i < kSlots; ++i) {
    Slot& s = g_slots[i];
    if (s.used) continue;
    if (s.event_fd.load() < 0) {
      int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (fd < 0) throw std::system_error(errno, std::generic_category(), "ae: eventfd");
      s.event_fd.store(fd);
    }
    s.used = true;
    s.pending.store(0);
    *event_fd = s.event_fd.load();
    return i;
  }
  throw std::runtime_error("ae: more than 64 loops watch signals or children at once");
}

void signal_hub_detach(int slot) noexcept {
  std::lock_guard lock(g_mutex);
  Slot& s = g_slots[slot];
  s.interest.store(0);
  s.pending.store(0);
  s.used = false;
}

void signal_hub_watch(int slot, int signum) {
  std::lock_guard lock(g_mutex);
  Slot& s = g_slots[slot];
  if (s.interest.load() & bit(signum)) return;
  if (g_refs[signum] == 0) {
    struct sigaction sa {};
    sa.sa_handler = &on_signal;
    sigemptyset(&sa.sa_mask);
    // SA_RESTART: a C++ program's blocking calls elsewhere should not start failing with EINTR
    // because ae watches a signal; the loop is woken through the eventfd regardless.
    sa.sa_flags = SA_RESTART;
    if (::sigaction(signum, &sa, &g_saved[signum]) != 0) {
      throw std::system_error(errno, std::generic_category(), "ae: sigaction");
    }
  }
  ++g_refs[signum];
  s.interest.fetch_or(bit(signum));
}

void signal_hub_unwatch(int slot, int signum) noexcept {
  std::lock_guard lock(g_mutex);
  Slot& s = g_slots[slot];
  if ((s.interest.load() & bit(signum)) == 0) return;
  s.interest.fetch_and(~bit(signum));
  if (--g_refs[signum] == 0) {
    // Restore only over the hub's own handler: one the program installed since is its decision.
    struct sigaction current {};
    if (::sigaction(signum, nullptr, &current) == 0 && (current.sa_flags & SA_SIGINFO) == 0 &&
        current.sa_handler == &on_signal) {
      ::sigaction(signum, &g_saved[signum], nullptr);
    }
  }
}

std::uint64_t signal_hub_take(int slot) noexcept {
  Slot& s = g_slots[slot];
  std::uint64_t drained;  // one read resets an eventfd's counter
  ssize_t ignored = ::read(s.event_fd.load(std::memory_order_relaxed), &drained, sizeof drained);
  (void)ignored;
  return s.pending.exchange(0, std::memory_order_acquire);
}

void signal_hub_init_process() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    std::lock_guard lock(g_mutex);
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL &&
        (current.sa_flags & SA_SIGINFO) == 0) {
      struct sigaction sa {};
      sa.sa_handler = &ignore_signal;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESTART;
      ::sigaction(SIGPIPE, &sa, nullptr);
    }
    if (::sigaction(SIGCHLD, nullptr, &current) == 0 && current.sa_handler == SIG_IGN &&
        (current.sa_flags & SA_SIGINFO) == 0) {
      struct sigaction sa {};
      sa.sa_handler = SIG_DFL;
      sigemptyset(&sa.sa_mask);
      ::sigaction(SIGCHLD, &sa, nullptr);
    }
  });
}

void signal_hub_fork_prepare() noexcept { g_mutex.lock(); }

void signal_hub_fork_parent() noexcept { g_mutex.unlock(); }

void signal_hub_fork_child() noexcept {
  for (Slot& s : g_slots) {
    s.pending.store(0);
    int old = s.event_fd.load();
    if (old < 0) continue;
    int fresh = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fresh < 0) continue;  // out of fds: the slot goes on sharing its parent's
    ::dup3(fresh, old, O_CLOEXEC);
    ::close(fresh);
  }
  g_mutex.unlock();
}

}  // namespace ae::core_internal
