// AnyEvent::Socket's socket option helpers: tcp_nodelay and tcp_congestion.
//
// Example:
//   ae::Result<void> nodelay = ae::tcp_nodelay(fd, true);  // disable Nagle's algorithm
//   ae::Result<void> cubic = ae::tcp_congestion(fd, "cubic");
//   if (!cubic) std::puts(cubic.message().c_str());  // the kernel does not offer it
#pragma once

#include <string_view>

#include "core/result.h"

namespace ae {

// AnyEvent::Socket::tcp_nodelay: sets TCP_NODELAY on `fd` to `enable`.
// Errors: setsockopt(2)'s errno as std::errc (e.g. not_a_socket), with a message saying so.
[[nodiscard]] Result<void> tcp_nodelay(int fd, bool enable);

// AnyEvent::Socket::tcp_congestion: sets the TCP congestion control algorithm of `fd`
// (TCP_CONGESTION, e.g. "reno", "cubic").
// Errors: setsockopt(2)'s errno as std::errc (no_such_file_or_directory for an algorithm the
// kernel does not know), with a message naming the algorithm.
[[nodiscard]] Result<void> tcp_congestion(int fd, std::string_view algorithm);

}  // namespace ae
