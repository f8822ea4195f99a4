// ae::Resolver: "addresses for host + service", the interface through which //socket finds
// addresses without knowing who resolves them.
//
// //core ships a built-in resolver for numeric addresses, "localhost" and the hosts file
// (AE_HOSTS, else /etc/hosts). Linking //dns installs its c-ares resolver as the process default;
// without it, a name that needs DNS fails with ResolveError::kNeedsDns, whose message says to link
// //dns. A program may also install its own with set_default_resolver().
//
// Example:
//   ae::Guard g = ae::default_resolver().resolve_sockaddr(
//       "localhost", "http", {}, [](std::error_code ec, std::vector<ae::SocketAddress> addrs) {
//         for (auto& a : addrs) std::puts(a.to_string().c_str());  // 127.0.0.1:80, [::1]:80
//       });
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/function.h"
#include "core/guard.h"
#include "core/result.h"
#include "core/socket_address.h"

namespace ae {

// Why a resolution failed (category "ae.resolve").
enum class ResolveError {
  kHostNotFound = 1,  // the name has no addresses (NXDOMAIN, or no such hosts-file entry)
  kNoData,            // the name exists but has no address of the wanted families
  kNeedsDns,          // the name is not numeric or in the hosts file, and //dns is not linked
  kUnknownService,    // the service name is not in the services database
  kBadName,           // malformed host name or service
  kTimedOut,          // no answer in time
  kServerFailure,     // the DNS server failed (SERVFAIL) or answered nonsense
  kRefused,           // the DNS server refused the query
  kFamilyDisabled,    // the wanted family is not in AE_PROTOCOLS
};
const std::error_category& resolve_category() noexcept;
std::error_code make_error_code(ResolveError e) noexcept;

struct ResolveOptions {
  // 0: any family in AE_PROTOCOLS; 4: IPv4 only; 6: IPv6 only.
  int family = 0;
  // "tcp" or "udp" (the protocol the service name is looked up for).
  std::string_view protocol = "tcp";
};

// cb(error, addresses): addresses ordered by AE_PROTOCOLS preference (all of the preferred family
// first), non-empty exactly when there is no error.
using ResolveCallback = Function<void(std::error_code, std::vector<SocketAddress>)>;

class Resolver {
 public:
  virtual ~Resolver() = default;

  // AnyEvent::Socket::resolve_sockaddr: `host` is a name, a numeric address, or "unix/" (then
  // `service` is the socket's path); `service` is a port number, a service name, or
  // "name=port" (a name with a fallback port). `cb` runs exactly once on the current loop, never
  // inside this call; destroying the returned Guard cancels the request, and `cb` never runs.
  virtual Guard resolve_sockaddr(std::string_view host, std::string_view service,
                                 const ResolveOptions& options, ResolveCallback cb) = 0;
};

// The process-wide default resolver (//dns's when it is linked, else the built-in one).
// Thread safety: both functions may be called from any thread.
Resolver& default_resolver();
void set_default_resolver(std::shared_ptr<Resolver> resolver);

// The built-in resolver: numeric addresses, "localhost" (127.0.0.1 and ::1 with no lookup) and
// the hosts file; anything else fails with kNeedsDns.
std::shared_ptr<Resolver> builtin_resolver();

// ---- Helpers shared by resolvers ---------------------------------------------------------------

// The address families allowed by AE_PROTOCOLS (default "ipv4,ipv6"), most preferred first:
// AF_INET and/or AF_INET6. Unknown words are ignored; an empty result means the default.
std::vector<int> protocol_preference();

// Looks up a port: a number, a service name, or "name=port" (the port; the name is only for SRV
// lookups, as in AnyEvent). A name is looked up in /etc/services (read once, on first use; never
// through NSS, so it cannot block on the network), and, when the file lacks it or is missing, as
// in a minimal container, in a built-in table of the well-known services (http, https, smtp,
// domain, ssh, finger, ...), as Go's net package does. Errors: kUnknownService, kBadName.
Result<std::uint16_t> resolve_service(std::string_view service, std::string_view protocol = "tcp");

// Addresses for `name` from the hosts file named by AE_HOSTS (default /etc/hosts), re-read when
// its modification time changes. Case-insensitive; empty when absent. Port 0.
std::vector<SocketAddress> hosts_file_lookup(std::string_view name);

// Sorts `addrs` stably by family preference (protocol_preference()) and drops families that
// are not allowed or not `family` (0, 4 or 6).
void order_by_preference(std::vector<SocketAddress>& addrs, int family = 0);

}  // namespace ae

template <>
struct std::is_error_code_enum<ae::ResolveError> : std::true_type {};
