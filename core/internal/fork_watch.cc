#include "core/internal/fork_watch.h"

#include <pthread.h>

#include <atomic>
#include <mutex>

#include "core/internal/child_registry.h"
#include "core/internal/signal_hub.h"

namespace ae::core_internal {
namespace {

std::atomic<unsigned> g_generation{0};

void prepare() noexcept {
  child_registry_fork_prepare();
  signal_hub_fork_prepare();
}

void in_parent() noexcept {
  signal_hub_fork_parent();
  child_registry_fork_parent();
}

void in_child() noexcept {
  g_generation.fetch_add(1, std::memory_order_relaxed);
  signal_hub_fork_child();
  child_registry_fork_child();
}

}  // namespace

void fork_watch_init() noexcept {
  static std::once_flag once;
  std::call_once(once, [] { ::pthread_atfork(&prepare, &in_parent, &in_child); });
}

unsigned fork_generation() noexcept { return g_generation.load(std::memory_order_relaxed); }

}  // namespace ae::core_internal
