// ae::dns::Options: how a resolver is configured (AnyEvent::DNS->new's arguments), and the
// resolv.conf parser (AnyEvent::DNS::parse_resolv_conf).
//
// The process default comes from Options::from_environment(): the file named by AE_RESOLV_CONF,
// else /etc/resolv.conf (re-read whenever it changes), AE_MAX_OUTSTANDING_DNS and AE_EDNS0.
// Each variable is also read as PERL_ANYEVENT_x, which wins when set (AnyEvent's names); a
// setuid or setgid program ignores them all (secure_getenv).
//
// Example:
//   ae::dns::Options o;
//   o.servers = {*ae::SocketAddress::from_numeric("127.0.0.1", 5353)};
//   o.timeouts = {0.5, 1};   // two rounds over the servers: 0.5 s, then 1 s per try
//   ae::dns::Resolver r(o);
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/socket_address.h"
#include "core/watchers.h"

namespace ae::dns {

struct Options {
  // The name servers, tried in order; a port of 0 means 53. When empty, 127.0.0.1 (or ::1 when
  // AE_PROTOCOLS prefers IPv6) is used. Unlike AnyEvent, no public fallback servers are added:
  // a query never leaves for a server nobody configured.
  std::vector<SocketAddress> servers;
  // The retry schedule (AnyEvent's `timeout`): for each value in turn, every server is tried once
  // with that per-try timeout. The default [2, 5, 5] gives up after 12 s with one server.
  std::vector<double> timeouts = {2.0, 5.0, 5.0};
  // Domains appended to names with fewer than `ndots` dots (then tried as given) or to other
  // relative names after trying them as given. A trailing dot makes a name absolute.
  std::vector<std::string> search;
  int ndots = 1;
  // Queries on the wire at once; further ones wait in a FIFO queue, where a query that got no
  // answer in one round of `timeouts` waits again behind those that have not been sent yet.
  std::size_t max_outstanding = 10;
  // Queries that may wait for a slot; one more fails at once with Error::kQueueFull.
  std::size_t max_queued = 65536;
  // Adds an EDNS0 OPT record offering 4096-octet UDP answers (AE_EDNS0=1).
  bool edns0 = false;
  // Answers kept for their TTL (negative ones per RFC 2308), at most this many; 0 disables.
  std::size_t cache_size = 1024;
  // When not empty, a resolv.conf-style file that supplies `servers`, `search`, `ndots` and
  // `timeouts`; it is checked for changes at most once per `resolv_conf_check_interval` (on the
  // next request) and re-read when its size, modification time or inode changed.
  std::string resolv_conf;
  Seconds resolv_conf_check_interval = std::chrono::seconds(1);

  // The process default: resolv_conf = AE_RESOLV_CONF if set and non-empty, else
  // /etc/resolv.conf (loaded now); max_outstanding = AE_MAX_OUTSTANDING_DNS (default 10);
  // edns0 = AE_EDNS0 (default off; true as Perl sees truth: any value but "" and "0", so "yes"
  // turns it on).
  static Options from_environment();
  // Options loaded from (and watching) the resolv.conf-style file at `path`.
  static Options from_resolv_conf(std::string path);
};

// Applies resolv.conf text to `options`, as AnyEvent::DNS::parse_resolv_conf does: `nameserver`
// (each line adds one; invalid ones are logged and skipped), `domain` (replaces the search
// list), `search`, `options timeout:N attempts:N ndots:N`. '#' and ';' start comments anywhere
// on a line; other lines are ignored; duplicate servers and search domains are dropped. The
// server list and search list are reset first; timeouts and ndots only change when given.
// Extension: a nameserver may carry a port, "127.0.0.1:5353" or "[::1]:5353".
void parse_resolv_conf(std::string_view text, Options& options);

// Reads `path` and applies it with parse_resolv_conf(). A missing or unreadable file leaves no
// servers (so the 127.0.0.1 default applies) and is reported at level warn.
// Errors: the errno of opening `path` (std::errc), with the path in the message; `options` is
// then reset as for an empty file.
[[nodiscard]] ae::Result<void> load_resolv_conf(const std::string& path, Options& options);

}  // namespace ae::dns
