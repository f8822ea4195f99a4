#include "core/internal/child_registry.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "core/internal/loop_core.h"

namespace ae::core_internal {
namespace {

constexpr std::size_t kMaxKept = 4096;

std::mutex g_mutex;
std::deque<std::pair<pid_t, int>> g_kept;
std::vector<LoopCore*> g_loops;

}  // namespace

void child_registry_add_loop(LoopCore* loop) {
  std::lock_guard lock(g_mutex);
  if (std::find(g_loops.begin(), g_loops.end(), loop) == g_loops.end()) g_loops.push_back(loop);
}

void child_registry_remove_loop(LoopCore* loop) noexcept {
  std::lock_guard lock(g_mutex);
  std::erase(g_loops, loop);
}

void child_registry_keep(pid_t pid, int status, LoopCore* reaper) {
  std::lock_guard lock(g_mutex);
  // A status kept for the same pid is an earlier process's: the kernel reused the pid since.
  std::erase_if(g_kept, [pid](const auto& kept) { return kept.first == pid; });
  if (g_kept.size() >= kMaxKept) g_kept.pop_front();
  g_kept.emplace_back(pid, status);
  for (LoopCore* loop : g_loops) {
    // post() is thread-safe; the registry lock keeps `loop` alive until it returns.
    if (loop != reaper) loop->post([loop] { loop->claim_kept_children(); });
  }
}

std::optional<int> child_registry_take(pid_t pid) {
  std::lock_guard lock(g_mutex);
  auto it = std::find_if(g_kept.begin(), g_kept.end(),
                         [pid](const auto& kept) { return kept.first == pid; });
  if (it == g_kept.end()) return std::nullopt;
  int status = it->second;
  g_kept.erase(it);
  return status;
}

void child_registry_fork_prepare() noexcept { g_mutex.lock(); }

void child_registry_fork_parent() noexcept { g_mutex.unlock(); }

void child_registry_fork_child() noexcept {
  g_kept.clear();
  g_loops.clear();
  g_mutex.unlock();
}

}  // namespace ae::core_internal
