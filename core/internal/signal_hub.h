// The process-wide signal hub. Private to //core.
//
// Signals belong to the process, watchers to loops. The hub installs one sigaction handler per
// watched signal; the handler (async-signal-safe: atomics and write(2) only) sets the signal's
// bit in the pending mask of every loop slot interested in it and writes that slot's eventfd,
// which sits in the loop's epoll set. The loop then takes the mask and runs its watchers from
// the loop, never from signal context.
//
// Slot eventfds are made once and never closed, so a handler running on another thread can never
// write into an fd that was closed and reused.
#pragma once

#include <cstdint>

namespace ae::core_internal {

inline constexpr int kMaxSignal = 64;  // signals are 1..64 on Linux

// Takes a free slot for a loop and returns it; its eventfd is stored in *event_fd.
// Errors: std::runtime_error when every slot (64 loops with signal watchers) is taken.
int signal_hub_attach(int* event_fd);
void signal_hub_detach(int slot) noexcept;

// Adds / removes `slot`'s interest in `signum`; the first interest installs the handler, the
// last one restores the disposition found before (unless the program has installed a handler of
// its own since: that one stays). watch throws std::system_error when
// sigaction fails.
void signal_hub_watch(int slot, int signum);
void signal_hub_unwatch(int slot, int signum) noexcept;

// Returns and clears the slot's pending signals (bit signum-1 per signal), draining its eventfd.
std::uint64_t signal_hub_take(int slot) noexcept;

// At the first loop: SIGPIPE gets a no-op handler if it has the default disposition (a peer
// closing a socket must not kill the program; a handler, unlike SIG_IGN, is reset by exec),
// and SIGCHLD is reset from SIG_IGN to the default (otherwise exit statuses are lost).
void signal_hub_init_process() noexcept;

// The fork handlers (core/internal/fork_watch.h): the hub's lock is held across fork(); in the
// child, every slot gets a new eventfd under its old number (a signal in the child must not wake
// the parent's loop, nor a read in the child take the parent's wakeup), and no signal is pending.
void signal_hub_fork_prepare() noexcept;
void signal_hub_fork_parent() noexcept;
void signal_hub_fork_child() noexcept;

}  // namespace ae::core_internal
