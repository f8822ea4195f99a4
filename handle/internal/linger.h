// Keeps flushing a destroyed Handle's unwritten bytes (AnyEvent::Handle's `linger`). Private to
// //handle.
#pragma once

#include "core/buffer.h"
#include "core/loop.h"
#include "core/unique_fd.h"

namespace ae::handle_internal {

// Takes `fd` and the bytes still to write: writes them as `fd` becomes writable, for at most
// `seconds`, stopping silently at the first error, then closes `fd`. The lingering writes belong
// to `loop` (a per-loop service): when the loop is destroyed first, they are dropped and their
// fds closed with it. Beyond ae::linger_limits() on this loop, the oldest is dropped, with a
// warning through the log hook.
void linger(Loop& loop, UniqueFd fd, Buffer unwritten, double seconds, bool is_socket);

}  // namespace ae::handle_internal
