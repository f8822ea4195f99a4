// Feeds a byte stream to a fresh ae::Handle the way a peer sends it: over a socketpair, in
// pieces each read by the loop before the next is sent, then end-of-file. The read-type fuzz
// targets use it so that their readers run inside a real Handle (its drain loop, resumed scans,
// errors, rbuf_max), not beside one.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "handle/handle.h"

namespace ae::fuzz {

struct FeedResult {
  std::size_t errors = 0;   // on_error calls
  bool fatal = false;       // one of them was fatal
  bool eof = false;         // on_eof ran
  std::string rbuf_at_end;  // what was left unread at on_eof or the fatal error
  bool sent_all = false;    // every byte went out (a Handle that stops reading stalls the rest)
};

// Sends `stream` in pieces of `piece` bytes (at least stream.size() / 16, so an input costs a
// bounded number of loop iterations), then shuts the write side down. `setup` runs once on the
// new Handle before any byte arrives: it queues readers (which may queue more) or sets on_read.
// The Handle has rbuf_max = 1 MiB, and on_error and on_eof that record into the result.
FeedResult feed_handle(std::string_view stream, std::size_t piece,
                       const std::function<void(Handle&)>& setup);

// Replaces on_error with what a forgiving application does on a non-fatal error (EBADMSG):
// drops one byte and lets the reader try again.
void skip_garbage_on_errors(Handle& h);

// The piece size a target takes from one input byte: 0 means everything at once.
inline std::size_t piece_size(unsigned char b) { return b == 0 ? 0 : b % 61 + 1; }

}  // namespace ae::fuzz
