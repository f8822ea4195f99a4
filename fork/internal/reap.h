// Reaping a direct child that nobody waits for any more, without blocking. Private to //fork.
#pragma once

#include <sys/types.h>

namespace ae::fork_internal {

// Reaps `pid` now if it has exited, else through a child watcher on the current loop that frees
// itself when the child exits.
void reap_later(pid_t pid) noexcept;

}  // namespace ae::fork_internal
