#include "socket/resolve.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "socket/internal/deliver_later.h"

namespace ae {
namespace {

bool family_allowed(int family) {
  std::vector<int> pref = protocol_preference();
  return std::find(pref.begin(), pref.end(), family) != pref.end();
}

Guard fail_later(ResolveCallback cb, ResolveError error) {
  return socket_internal::deliver_later(
      [cb = std::move(cb), error] { cb(error, std::vector<SocketAddress>{}); });
}

}  // namespace

Guard resolve_sockaddr(Resolver& resolver, std::string_view host, std::string_view service,
                       const ResolveOptions& options, ResolveCallback cb) {
  if (options.family != 0 && options.family != 4 && options.family != 6) {
    throw std::invalid_argument("ae::resolve_sockaddr: family must be 0, 4 or 6, not " +
                                std::to_string(options.family));
  }
  if (host == "unix/") {
    // As AnyEvent: only an absolute path, and no address family, make a unix-domain target.
    std::optional<SocketAddress> address;
    if (options.family == 0 && !service.empty() && service[0] == '/') {
      address = SocketAddress::unix_path(service);
    }
    if (!address) return fail_later(std::move(cb), ResolveError::kBadName);
    return socket_internal::deliver_later([cb = std::move(cb), a = *address] {
      cb(std::error_code(), std::vector<SocketAddress>{a});
    });
  }
  if ((options.family == 4 && !family_allowed(AF_INET)) ||
      (options.family == 6 && !family_allowed(AF_INET6))) {
    return fail_later(std::move(cb), ResolveError::kFamilyDisabled);
  }
  return resolver.resolve_sockaddr(host, service, options, std::move(cb));
}

Guard resolve_sockaddr(std::string_view host, std::string_view service,
                       const ResolveOptions& options, ResolveCallback cb) {
  return resolve_sockaddr(default_resolver(), host, service, options, std::move(cb));
}

Guard inet_aton(std::string_view name, InetAtonCallback cb) {
  std::optional<HostAddress> literal;
  if (auto v4 = parse_ipv4(name)) {
    literal = HostAddress(*v4);
  } else if (auto v6 = parse_ipv6(name)) {
    literal = HostAddress(*v6);
  }
  if (literal) {
    return socket_internal::deliver_later(
        [cb = std::move(cb), a = *literal] { cb(std::error_code(), std::vector<HostAddress>{a}); });
  }
  return resolve_sockaddr(name, "0", {},
                          [cb = std::move(cb)](std::error_code ec, std::vector<SocketAddress> sas) {
                            std::vector<HostAddress> out;
                            for (const SocketAddress& sa : sas) {
                              out.push_back(unpack_sockaddr(sa).host);
                            }
                            cb(ec, std::move(out));
                          });
}

}  // namespace ae
