// Forks, as //core sees them. Private to //core.
//
// A forked child shares its parent's kernel objects: ae's epoll sets and eventfds, and the
// foreign loop's own epoll fd. Whatever the child does with them (an epoll_ctl, a read of an
// eventfd, a loop destroyed by exit()) happens to the parent's too. So pthread_atfork handlers
// count the forks this process came out of as a child, and a loop compares that count with its
// own before it touches its kernel objects: in the child, a loop made before the fork first makes
// new ones under the same fd numbers (LoopCore::after_fork). The handlers also keep core's
// process-wide state whole across a fork: its locks (held across the fork, so that no other
// thread holds them in the child), the signal hub's eventfds (new ones in the child) and the kept
// statuses of the parent's children (dropped in the child).
#pragma once

namespace ae::core_internal {

// Registers the fork handlers; once per process, at the first loop.
void fork_watch_init() noexcept;

// How many forks this process came out of as the child (0 in the original process).
unsigned fork_generation() noexcept;

}  // namespace ae::core_internal
