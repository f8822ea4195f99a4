#include "fork/internal/reap.h"

#include <sys/wait.h>

#include <memory>

#include "core/loop.h"

namespace ae::fork_internal {

void reap_later(pid_t pid) noexcept {
  if (pid <= 0) return;
  int status;
  if (::waitpid(pid, &status, WNOHANG) != 0) return;  // reaped, or not our child
  try {
    auto* holder = new Child;
    *holder = Loop::current().child(pid, [holder](pid_t, int) { delete holder; });
  } catch (...) {
    // No loop to wait with: the child stays a zombie until this process exits.
  }
}

}  // namespace ae::fork_internal
