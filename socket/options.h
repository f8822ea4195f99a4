// AnyEvent::Socket's socket option helpers: tcp_nodelay and tcp_congestion.
//
// Example:
//   ae::tcp_nodelay(fd, true);            // disable Nagle's algorithm
//   ae::tcp_congestion(fd, "cubic");      // false if the kernel does not offer it
#pragma once

#include <string_view>

namespace ae {

// AnyEvent::Socket::tcp_nodelay: sets TCP_NODELAY on `fd` to `enable`. Returns false on error
// (errno tells why; e.g. the fd is not a TCP socket).
bool tcp_nodelay(int fd, bool enable);

// AnyEvent::Socket::tcp_congestion: sets the TCP congestion control algorithm of `fd`
// (TCP_CONGESTION, e.g. "reno", "cubic"). Returns false on error (errno tells why: ENOENT for an
// algorithm the kernel does not know).
bool tcp_congestion(int fd, std::string_view algorithm);

}  // namespace ae
