// The ae::Resolver part of dns::Resolver: what core's resolve_sockaddr asks a resolver for.
#include <string>
#include <utility>
#include <vector>

#include "core/resolver.h"
#include "dns/error.h"
#include "dns/internal/engine.h"
#include "dns/internal/idn.h"
#include "dns/internal/lookup.h"

namespace ae::dns_internal {
namespace {

// The name as DNS asks for it: punycode for non-ASCII, lower case. nullopt when IDNA refuses it.
std::optional<std::string> query_name(std::string_view name) {
  std::string out(name);
  for (char c : out) {
    if ((c & 0x80) != 0) {
      auto ascii = idn_to_ascii(out);
      if (!ascii) return std::nullopt;
      out = std::move(*ascii);
      break;
    }
  }
  return lower_ascii(out);
}

std::error_code resolve_error(std::error_code ec) {
  if (ec == std::errc::operation_canceled) return ec;
  return make_error_code(dns::to_resolve_error(ec));
}

template <class Callback>
Guard fail_later(const std::shared_ptr<Engine>& engine, Callback cb, std::error_code ec) {
  auto shared = std::make_shared<Callback>(std::move(cb));
  engine->defer([shared, ec] {
    if (*shared) (*shared)(ec, {});
  });
  return Guard([shared] { *shared = nullptr; });
}

}  // namespace

Guard start_resolve_addresses(std::shared_ptr<Engine> engine, std::string_view name, int family,
                              ae::Resolver::AddressesCallback cb) {
  std::optional<std::string> qname = query_name(name);
  if (!qname || (family != AF_INET && family != AF_INET6)) {
    return fail_later(engine, std::move(cb), ResolveError::kBadName);
  }
  auto type = static_cast<std::uint16_t>(family == AF_INET ? dns::RrType::kA : dns::RrType::kAaaa);
  return start_lookup(
      engine, *qname, type, {},
      [cb = std::move(cb), family](std::error_code ec, std::vector<dns::Record> rr) mutable {
        std::vector<SocketAddress> out;
        for (const dns::Record& r : rr) {
          if (const auto* a = r.as<dns::Address>(); a && a->family() == family) out.push_back(*a);
        }
        if (out.empty() && !ec) ec = dns::Error::kNoData;
        cb(ec ? resolve_error(ec) : std::error_code(), std::move(out));
      });
}

Guard start_resolve_srv(std::shared_ptr<Engine> engine, std::string_view name,
                        ae::Resolver::SrvCallback cb) {
  std::optional<std::string> qname = query_name(name);
  if (!qname) return fail_later(engine, std::move(cb), ResolveError::kBadName);
  return start_lookup(
      engine, *qname, static_cast<std::uint16_t>(dns::RrType::kSrv), {},
      [cb = std::move(cb)](std::error_code ec, std::vector<dns::Record> rr) mutable {
        // No such name, or no SRV records at it: no targets, which is no failure.
        if (ec == dns::Error::kNxDomain || ec == dns::Error::kNoData) ec.clear();
        std::vector<SrvTarget> out;
        for (const dns::Record& r : rr) {
          if (const auto* srv = r.as<dns::Srv>()) {
            out.push_back({srv->target.empty() ? "." : srv->target, srv->port});
          }
        }
        cb(ec ? resolve_error(ec) : std::error_code(), std::move(out));
      });
}

}  // namespace ae::dns_internal
