// Exit statuses that no watcher has claimed yet, shared by every loop. Private to //core.
//
// A loop reaps only the children its watchers ask about (waitpid(pid)), except while it has a
// pid-0 watcher, when it reaps every child (waitpid(-1)). A status reaped that way for a pid no
// watcher of that loop wants is kept here, and the other loops with child watchers are told to
// look, so no exit status is lost (AnyEvent loses them; see the inventory, item 23).
#pragma once

#include <sys/types.h>

#include <optional>

namespace ae::core_internal {

class LoopCore;

// Loops with child watchers register so that they are told about kept statuses.
void child_registry_add_loop(LoopCore* loop);
void child_registry_remove_loop(LoopCore* loop) noexcept;

// Keeps `status` for `pid`, replacing an earlier one of the same pid (the oldest is dropped
// beyond 4096), and tells the other loops.
void child_registry_keep(pid_t pid, int status, LoopCore* reaper);

// Removes and returns the kept status of `pid`, if any.
std::optional<int> child_registry_take(pid_t pid);

// The fork handlers (core/internal/fork_watch.h): the registry's lock is held across fork(), and
// the child starts with no kept statuses (they are its parent's children's) and no loops (those
// of its only thread register again when they are next used).
void child_registry_fork_prepare() noexcept;
void child_registry_fork_parent() noexcept;
void child_registry_fork_child() noexcept;

}  // namespace ae::core_internal
