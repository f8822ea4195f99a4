// AnyEvent::Socket::resolve_sockaddr and inet_aton: names to addresses.
//
// Both follow core's one resolution policy (core/resolver.h) over the installed resolver
// (ae::default_resolver(): numeric addresses, localhost and the hosts file without //dns, DNS
// too when //dns is linked), and order their results by AE_PROTOCOLS preference (IPv4 first by
// default).
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

// AnyEvent::Socket::resolve_sockaddr is ae::resolve_sockaddr, declared in core/resolver.h (so
// that every package resolves by the one policy); this header includes it.

// cb(error, addresses) of inet_aton.
using InetAtonCallback = Function<void(std::error_code, std::vector<HostAddress>)>;

// AnyEvent::Socket::inet_aton: the host addresses of `name`: a numeric address gives itself
// (IPv4 text as 4 bytes, IPv6 text as 16), "localhost" gives 127.0.0.1 and ::1, anything else
// goes through the default resolver, ordered by AE_PROTOCOLS. `cb` runs exactly once, never
// inside this call (unlike AnyEvent, not even for literals); destroying the Guard cancels it.
// Errors: as resolve_sockaddr.
Guard inet_aton(std::string_view name, InetAtonCallback cb);

}  // namespace ae
