// Keeps flushing a destroyed Handle's unwritten bytes (AnyEvent::Handle's `linger`). Private to
// //handle.
#pragma once

#include "core/buffer.h"
#include "core/loop.h"

namespace ae::handle_internal {

// Takes `fd` and the bytes still to write: writes them as `fd` becomes writable, for at most
// `seconds`, stopping silently at the first error, then closes `fd`. Lingering writes of a
// thread that ends are dropped and their fds closed.
void linger(Loop& loop, int fd, Buffer unwritten, double seconds, bool is_socket);

}  // namespace ae::handle_internal
