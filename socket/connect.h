// tcp_connect: AnyEvent::Socket::tcp_connect with Happy Eyeballs (RFC 8305).
//
// The host is resolved through the installed ae::Resolver (numeric addresses, localhost and the
// hosts file, AE_HOSTS, built in; DNS when //dns is linked), the service through the services
// database or as a number. Connecting starts as the first addresses arrive
// (ae::resolve_sockaddr_incremental: the preferred family's at once, the other's after RFC
// 8305's 50 ms resolution delay), and addresses arriving later join the candidates; so a server
// that never answers AAAA delays nothing. The addresses are tried interleaved by family in
// AE_PROTOCOLS preference (first preferred, first other, second preferred, ...): a new attempt
// starts every 250 ms while earlier ones are still pending, and at once when one fails; the first
// to connect wins and the others are closed. So an address that drops SYNs (a black hole) costs
// one 250 ms step, not a kernel connect timeout.
//
// Linking //socket also installs tcp_connect as ae::default_connector() (core/connector.h), which
// is how //handle connects.
//
// Example:
//   ae::Guard g = ae::tcp_connect("localhost", "8080",
//       [](std::error_code ec, ae::Connection c) {
//         if (ec) return std::printf("connect: %s\n", ec.message().c_str()), void();
//         std::printf("connected to %s\n", c.peer.to_string().c_str());
//         ::close(c.fd);  // or hand c.fd to an ae::Handle
//       },
//       [](int fd) { return ae::Seconds(5); });  // per-attempt timeout
#pragma once

#include <string_view>

#include "core/connector.h"
#include "core/guard.h"
#include "core/resolver.h"
#include "core/watchers.h"

namespace ae {

// RFC 8305's Connection Attempt Delay: how long an attempt may stay pending before the next
// address is tried as well.
inline constexpr Seconds kConnectionAttemptDelay{0.25};

struct ConnectOptions {
  // The resolver for the host name; null means ae::default_resolver(). It must outlive the
  // resolution.
  Resolver* resolver = nullptr;
  // The delay between the starts of two attempts while earlier ones are pending.
  Seconds attempt_delay = kConnectionAttemptDelay;
  // The overall deadline, from the call to the first connection (resolution included), beside
  // the per-attempt timeout `prepare` returns: when it passes first, every attempt and lookup
  // ends and `cb` gets std::errc::timed_out. Zero, negative or infinite: none.
  Seconds timeout = Seconds(0);
};

// AnyEvent::Socket::tcp_connect: connects to `host` (a name, a numeric address, or "unix/" with an
// absolute socket path as `service`) and `service` (a port number, a service name or
// "name=port").
//
// `prepare(fd)` runs for every attempt on the new non-blocking socket before connect(2) (to bind
// it or set options) and returns that attempt's timeout (zero, negative or infinite: the
// kernel's own); it may run inside this call. `cb(error, connection)` runs exactly once per
// outcome, on the current loop and never inside this call or inside connection.retry():
//   - on success with a clear error and the connected socket (non-blocking, close-on-exec, owned
//     by the callee) and the address it is connected to. Calling `connection.retry()` (after
//     closing the fd) continues with the addresses not yet finished, and `cb` runs again with the
//     next success or the final error (AnyEvent's $retry).
//   - once every address failed, with fd -1 and the last attempt's error.
// Destroying the returned Guard cancels everything: pending attempts are closed and `cb` never
// runs again; a socket already handed to `cb` stays the callee's.
//
// Errors: the errno of the attempt that failed last, as std::errc values (e.g.
// connection_refused, timed_out when `prepare`'s timeout or options.timeout expired,
// network_unreachable,
// address_family_not_supported). Where AnyEvent says ENXIO for a failed resolution, the
// resolver's own error is passed on, which says why: the built-in resolver's ae::ResolveError
// (kNeedsDns when a name needs DNS and //dns is not linked, kUnknownService, kBadName, ...),
// //dns's ae::dns::Error (NXDOMAIN, timeouts, ...). std::errc::no_such_device_or_address (ENXIO)
// remains for a resolver that gave no addresses without an error, and for a retry() that finds
// none left.
// An empty `cb` is a programmer error: std::invalid_argument.
// Thread safety: call it on the thread of the current loop; the callbacks run there.
Guard tcp_connect(std::string_view host, std::string_view service, ConnectCallback cb,
                  PrepareCallback prepare = nullptr);
Guard tcp_connect(std::string_view host, std::string_view service, ConnectCallback cb,
                  PrepareCallback prepare, const ConnectOptions& options);

}  // namespace ae
