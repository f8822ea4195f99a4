#include "core/resolver.h"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <mutex>
#include <string>
#include <utility>

#include "core/internal/hosts_file.h"
#include "core/internal/services.h"
#include "core/loop.h"

namespace ae {
namespace {

class ResolveCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ae.resolve"; }
  std::string message(int e) const override {
    switch (static_cast<ResolveError>(e)) {
      case ResolveError::kHostNotFound:
        return "host not found";
      case ResolveError::kNoData:
        return "no address of the wanted family";
      case ResolveError::kNeedsDns:
        return "name needs DNS, but no DNS resolver is linked (depend on //dns)";
      case ResolveError::kUnknownService:
        return "unknown service";
      case ResolveError::kBadName:
        return "malformed name";
      case ResolveError::kTimedOut:
        return "DNS query timed out";
      case ResolveError::kServerFailure:
        return "DNS server failure";
      case ResolveError::kRefused:
        return "DNS query refused";
      case ResolveError::kFamilyDisabled:
        return "address family disabled by AE_PROTOCOLS";
    }
    return "unknown resolve error";
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Knows no names: resolve_sockaddr() answers numeric addresses, localhost and the hosts file
// before and after asking it.
class BuiltinResolver final : public Resolver {
 public:
  Guard resolve_addresses(std::string_view, int, AddressesCallback cb) override {
    return postpone_cancellable(
        [cb = std::move(cb)]() mutable { cb(ResolveError::kNeedsDns, {}); });
  }
  Guard resolve_srv(std::string_view, SrvCallback cb) override {
    return postpone_cancellable(
        [cb = std::move(cb)]() mutable { cb(ResolveError::kNeedsDns, {}); });
  }
};

std::mutex g_default_mutex;
std::shared_ptr<Resolver> g_default;

std::shared_ptr<Resolver> current_default_resolver() {
  std::lock_guard lock(g_default_mutex);
  if (!g_default) g_default = builtin_resolver();
  return g_default;
}

// default_resolver()'s object: each request goes to the resolver installed when it starts, and
// keeps that one alive until the request's Guard goes, so replacing the default never leaves a
// request on a destroyed resolver (and no replaced resolver has to be kept forever).
class DefaultResolver final : public Resolver {
 public:
  Guard resolve_addresses(std::string_view name, int family, AddressesCallback cb) override {
    std::shared_ptr<Resolver> r = current_default_resolver();
    Guard g = r->resolve_addresses(name, family, std::move(cb));
    return Guard([r = std::move(r), g = std::move(g)]() mutable { g.reset(); });
  }
  Guard resolve_srv(std::string_view name, SrvCallback cb) override {
    std::shared_ptr<Resolver> r = current_default_resolver();
    Guard g = r->resolve_srv(name, std::move(cb));
    return Guard([r = std::move(r), g = std::move(g)]() mutable { g.reset(); });
  }
};

}  // namespace

const std::error_category& resolve_category() noexcept {
  static const ResolveCategory category;
  return category;
}

std::error_code make_error_code(ResolveError e) noexcept {
  return {static_cast<int>(e), resolve_category()};
}

Resolver& default_resolver() {
  static DefaultResolver forwarder;
  return forwarder;
}

void set_default_resolver(std::shared_ptr<Resolver> resolver) {
  std::shared_ptr<Resolver> old;
  std::lock_guard lock(g_default_mutex);
  old = std::exchange(g_default, resolver ? std::move(resolver) : builtin_resolver());
}

std::shared_ptr<Resolver> builtin_resolver() { return std::make_shared<BuiltinResolver>(); }

std::vector<int> protocol_preference() {
  std::vector<int> out;
  const char* env = ::secure_getenv("AE_PROTOCOLS");
  if (env != nullptr) {
    std::string_view spec(env);
    while (!spec.empty()) {
      std::size_t comma = spec.find(',');
      std::string word = lower(spec.substr(0, comma));
      spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
      int family = word == "ipv4" ? AF_INET : word == "ipv6" ? AF_INET6 : AF_UNSPEC;
      if (family != AF_UNSPEC && std::find(out.begin(), out.end(), family) == out.end()) {
        out.push_back(family);
      }
    }
  }
  if (out.empty()) out = {AF_INET, AF_INET6};
  return out;
}

Result<std::uint16_t> resolve_service(std::string_view service, std::string_view protocol) {
  std::string_view name = service;
  std::string_view fallback;
  if (std::size_t eq = service.find('='); eq != std::string_view::npos) {
    name = service.substr(0, eq);
    fallback = service.substr(eq + 1);
  }
  auto number = [](std::string_view s) -> std::optional<std::uint16_t> {
    unsigned value = 0;
    auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || err != std::errc() || end != s.data() + s.size() || value > 65535) {
      return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
  };
  if (auto p = number(name)) return *p;
  if (!name.empty() &&
      std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Result<std::uint16_t>(ResolveError::kBadName,
                                 "port " + std::string(name) + " out of range (0-65535)");
  }
  // "name=port": the port is given; the name only matters for an SRV lookup (AnyEvent).
  if (service.find('=') != std::string_view::npos) {
    if (auto p = number(fallback); p && !name.empty()) return *p;
    return Result<std::uint16_t>(ResolveError::kBadName,
                                 "bad port in service \"" + std::string(service) + "\"");
  }
  if (name.empty()) return Result<std::uint16_t>(ResolveError::kBadName, "empty service");
  if (auto port = core_internal::service_port(name, protocol)) return *port;
  return Result<std::uint16_t>(ResolveError::kUnknownService,
                               "unknown service \"" + std::string(service) + "\"");
}

std::vector<SocketAddress> hosts_file_lookup(std::string_view name) {
  return core_internal::hosts_file_lookup(name);
}

void order_by_preference(std::vector<SocketAddress>& addrs, int family) {
  std::vector<int> pref = protocol_preference();
  if (family == 4) std::erase(pref, AF_INET6);
  if (family == 6) std::erase(pref, AF_INET);
  auto rank = [&pref](const SocketAddress& a) -> std::size_t {
    if (a.family() == AF_UNIX) return 0;
    auto it = std::find(pref.begin(), pref.end(), a.family());
    return it == pref.end() ? pref.size() : static_cast<std::size_t>(it - pref.begin());
  };
  std::erase_if(addrs, [&](const SocketAddress& a) { return rank(a) == pref.size(); });
  std::stable_sort(addrs.begin(), addrs.end(), [&](const SocketAddress& a, const SocketAddress& b) {
    return rank(a) < rank(b);
  });
}

}  // namespace ae
