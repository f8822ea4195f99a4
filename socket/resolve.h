// AnyEvent::Socket::resolve_sockaddr and inet_aton: names to addresses through ae::Resolver.
//
// Both go through the installed resolver (ae::default_resolver(): numeric addresses, localhost
// and the hosts file built in, DNS when //dns is linked) or one passed explicitly, and order
// their results by AE_PROTOCOLS preference (IPv4 first by default).
//
// Example:
//   ae::Guard g = ae::resolve_sockaddr("localhost", "http", {},
//       [](std::error_code ec, std::vector<ae::SocketAddress> addrs) {
//         if (ec) return std::puts(ec.message().c_str()), void();
//         for (auto& a : addrs) std::puts(a.to_string().c_str());  // 127.0.0.1:80, [::1]:80
//       });
#pragma once

#include <string_view>
#include <system_error>
#include <vector>

#include "core/function.h"
#include "core/guard.h"
#include "core/resolver.h"
#include "socket/address.h"

namespace ae {

// AnyEvent::Socket::resolve_sockaddr: the socket addresses for `host` (a name, a numeric address,
// or "unix/" with an absolute path as `service`) and `service` (a port number, a service name, or
// "name=port"), in the order to try them. `options.family` is 0 (any family AE_PROTOCOLS allows),
// 4 or 6; `options.protocol` names the protocol the service is looked up for.
// `cb(error, addresses)` runs exactly once, on the current loop, never inside this call;
// `addresses` is non-empty exactly when `error` is clear. Destroying the returned Guard cancels
// the lookup and `cb` never runs.
// Errors (category ae::resolve_category()): kFamilyDisabled when `options.family` names a family
// AE_PROTOCOLS leaves out; kBadName for "unix/" with a relative path or with a family; whatever
// the resolver reports (kHostNotFound, kNeedsDns without //dns, kUnknownService, ...).
// A family other than 0, 4 or 6 is a programmer error: std::invalid_argument.
Guard resolve_sockaddr(std::string_view host, std::string_view service,
                       const ResolveOptions& options, ResolveCallback cb);
// The same through `resolver`, which must outlive the request.
Guard resolve_sockaddr(Resolver& resolver, std::string_view host, std::string_view service,
                       const ResolveOptions& options, ResolveCallback cb);

// cb(error, addresses) of inet_aton.
using InetAtonCallback = Function<void(std::error_code, std::vector<HostAddress>)>;

// AnyEvent::Socket::inet_aton: the host addresses of `name`: a numeric address gives itself
// (IPv4 text as 4 bytes, IPv6 text as 16), "localhost" gives 127.0.0.1 and ::1, anything else
// goes through the default resolver, ordered by AE_PROTOCOLS. `cb` runs exactly once, never
// inside this call (unlike AnyEvent, not even for literals); destroying the Guard cancels it.
// Errors: as resolve_sockaddr.
Guard inet_aton(std::string_view name, InetAtonCallback cb);

}  // namespace ae
