// ae::resolve_sockaddr and ae::Resolver: "addresses for host + service", the one policy every
// package resolves through, and the small interface that only a resolver fills in.
//
// The policy is written once, here (AnyEvent::Socket::resolve_sockaddr):
//   - host "unix/": `service` is the socket's path, which must be absolute (a relative path
//     would mean a different socket from each working directory, so it is refused: kBadName,
//     as AnyEvent does), and no family may be asked for;
//   - service: a port number; a name from the services database (see resolve_service()); or
//     "name=port" (the port, and the name only for the SRV lookup);
//   - a numeric address gives itself; "localhost" gives 127.0.0.1 and ::1 without a lookup;
//   - any other name goes to the Resolver: first its SRV records when the service is a name
//     ("_name._protocol.host"; none, or a failed lookup, means the host itself), then each
//     target's addresses, one request per allowed family, all in parallel;
//   - a family for which the Resolver gave nothing is looked up in the hosts file (AE_HOSTS, else
//     /etc/hosts), AnyEvent's rule;
//   - the families are those AE_PROTOCOLS allows (default "ipv4,ipv6"), narrowed by
//     options.family; addresses come ordered by family preference, then SRV order, then the
//     order each lookup gave.
// resolve_sockaddr_incremental() gives the same addresses as they arrive, as RFC 8305 section 3
// wants for connecting (Happy Eyeballs): a server that never answers one family then delays
// nothing.
// //core's built-in Resolver knows no names (kNeedsDns), so without //dns the same policy serves
// numeric addresses, localhost and the hosts file; linking //dns installs its c-ares resolver as
// the process default, and the answers for all of those stay the same.
//
// Example:
//   ae::Guard g = ae::resolve_sockaddr("localhost", "http", {},
//       [](std::error_code ec, std::vector<ae::SocketAddress> addrs) {
//         if (ec) return std::puts(ec.message().c_str()), void();
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
#include "core/watchers.h"

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

// One SRV target, in the order RFC 2782 says to try them.
struct SrvTarget {
  std::string host;  // "." means the service is decidedly not available (RFC 2782)
  std::uint16_t port = 0;
};

// What only a resolver does: the addresses of a name in one family, and SRV records. Everything
// else (services, "unix/", numeric addresses, localhost, the hosts file, families and their
// order) is resolve_sockaddr()'s.
// Each function runs `cb` exactly once, on the current loop, never inside the call; destroying
// the returned Guard cancels the request and `cb` never runs. Errors are ae::ResolveError
// values, or std::errc::operation_canceled when the resolver went away first.
class Resolver {
 public:
  virtual ~Resolver() = default;

  using AddressesCallback = Function<void(std::error_code, std::vector<SocketAddress>)>;
  using SrvCallback = Function<void(std::error_code, std::vector<SrvTarget>)>;

  // The addresses (port 0) of `name`, which is neither numeric nor "localhost", in `family`
  // (AF_INET or AF_INET6); non-empty exactly when there is no error.
  virtual Guard resolve_addresses(std::string_view name, int family, AddressesCallback cb) = 0;
  // The targets of the SRV name `name` ("_http._tcp.example.org."), in RFC 2782 order; an empty
  // list without error when there are none.
  virtual Guard resolve_srv(std::string_view name, SrvCallback cb) = 0;
};

// AnyEvent::Socket::resolve_sockaddr, through the process default resolver (see the file
// comment for the policy). `cb(error, addresses)` runs exactly once, on the current loop, never
// inside this call; `addresses` is non-empty exactly when `error` is clear. Destroying the
// returned Guard cancels the lookup and `cb` never runs.
// Errors (ae::ResolveError): kBadName for a malformed service or "unix/" path (or "unix/" with a
// family); kUnknownService; kFamilyDisabled when no family AE_PROTOCOLS allows is left;
// kNoData when the name has addresses, but none of the wanted families; else the resolver's
// error (kHostNotFound before a failure such as kTimedOut, kNeedsDns without //dns).
// A family other than 0, 4 or 6 is a programmer error: std::invalid_argument.
Guard resolve_sockaddr(std::string_view host, std::string_view service,
                       const ResolveOptions& options, ResolveCallback cb);
// The same through `resolver`, which must outlive the request.
Guard resolve_sockaddr(Resolver& resolver, std::string_view host, std::string_view service,
                       const ResolveOptions& options, ResolveCallback cb);

// RFC 8305's Resolution Delay: how long addresses of another family that arrive first wait for
// the preferred family's answer before they are given out alone.
inline constexpr Seconds kResolutionDelay{0.05};

// cb(error, addresses, complete) of resolve_sockaddr_incremental().
using ResolveProgressCallback =
    Function<void(std::error_code, std::vector<SocketAddress>, bool complete)>;

// resolve_sockaddr() giving the addresses as each family's answers arrive (RFC 8305 section 3),
// so that a caller can start connecting before every family has answered. The policy, the
// addresses and the errors are resolve_sockaddr()'s. The preferred family (the first AE_PROTOCOLS
// allows) plays RFC 8305's AAAA: its addresses are given out as soon as they come; addresses of
// another family that come first wait up to kResolutionDelay for it (less when its lookups end
// without an address), then go out alone; any that come later go out as they come.
// `cb(error, addresses, complete)` runs on the current loop, never inside this call: zero or more
// times with `complete` false and addresses not given before (never empty; error clear), then
// exactly once with `complete` true and the addresses not given before (possibly none). The last
// call's error is set exactly when no address was given at all. Destroying the returned Guard
// cancels the lookup and `cb` never runs again.
Guard resolve_sockaddr_incremental(Resolver& resolver, std::string_view host,
                                   std::string_view service, const ResolveOptions& options,
                                   ResolveProgressCallback cb);

// The process-wide default resolver (//dns's when it is linked, else the built-in one). The
// reference stays valid for the whole program: it forwards each request to the resolver
// installed at the time of the request, which the request keeps alive until it ends.
// Thread safety: both functions may be called from any thread.
Resolver& default_resolver();
// Installs `resolver` as the default (null: the built-in one again). Requests already started
// finish on the resolver they started on.
void set_default_resolver(std::shared_ptr<Resolver> resolver);

// The built-in resolver: it knows no names (every request fails with kNeedsDns, whose message
// says to link //dns), so resolve_sockaddr() over it serves numeric addresses, localhost and the
// hosts file.
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

// Addresses for `name` (a trailing dot ignored) from the hosts file named by AE_HOSTS (default
// /etc/hosts). Case-insensitive; empty when absent. Port 0. The file is read on first use and
// then checked for changes (path, size, modification time) at most once a second, so lookups do
// not stat it each time.
std::vector<SocketAddress> hosts_file_lookup(std::string_view name);

// Sorts `addrs` stably by family preference (protocol_preference()) and drops families that
// are not allowed or not `family` (0, 4 or 6).
void order_by_preference(std::vector<SocketAddress>& addrs, int family = 0);

}  // namespace ae

template <>
struct std::is_error_code_enum<ae::ResolveError> : std::true_type {};
