#include "core/resolver.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

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

// The hosts file, cached and re-read when its mtime or path changes.
class HostsFile {
 public:
  std::vector<SocketAddress> lookup(std::string_view name) {
    std::lock_guard lock(mutex_);
    refresh();
    std::vector<SocketAddress> out;
    auto range = entries_.equal_range(lower(name));
    for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
    return out;
  }

 private:
  void refresh() {
    const char* env = ::secure_getenv("AE_HOSTS");
    std::string path = env != nullptr && *env != '\0' ? env : "/etc/hosts";
    struct stat st {};
    bool exists = ::stat(path.c_str(), &st) == 0;
    timespec mtime = exists ? st.st_mtim : timespec{};
    if (loaded_ && path == path_ && mtime.tv_sec == mtime_.tv_sec &&
        mtime.tv_nsec == mtime_.tv_nsec && (exists ? st.st_size : -1) == size_) {
      return;
    }
    loaded_ = true;
    path_ = path;
    mtime_ = mtime;
    size_ = exists ? st.st_size : -1;
    entries_.clear();
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      line = line.substr(0, line.find('#'));
      std::istringstream words(line);
      std::string address, name;
      if (!(words >> address)) continue;
      auto sa = SocketAddress::from_numeric(address, 0);
      if (!sa) continue;
      while (words >> name) entries_.emplace(lower(name), *sa);
    }
  }

  std::mutex mutex_;
  bool loaded_ = false;
  std::string path_;
  timespec mtime_{};
  off_t size_ = -1;
  std::multimap<std::string, SocketAddress> entries_;
};

HostsFile& hosts_file() {
  static HostsFile h;
  return h;
}

class BuiltinResolver final : public Resolver {
 public:
  Guard resolve_sockaddr(std::string_view host, std::string_view service,
                         const ResolveOptions& options, ResolveCallback cb) override {
    std::error_code ec;
    std::vector<SocketAddress> addrs = resolve_now(host, service, options, ec);
    // Delivered from the loop, never inside this call; the Guard cancels it.
    auto cancelled = std::make_shared<bool>(false);
    Loop::current().postpone(
        [cancelled, ec, addrs = std::move(addrs), cb = std::move(cb)]() mutable {
          if (!*cancelled) cb(ec, std::move(addrs));
        });
    return Guard([cancelled] { *cancelled = true; });
  }

 private:
  static std::vector<SocketAddress> resolve_now(std::string_view host, std::string_view service,
                                                const ResolveOptions& options,
                                                std::error_code& ec) {
    std::vector<SocketAddress> out;
    if (host == "unix/") {
      if (auto a = SocketAddress::unix_path(service)) {
        out.push_back(*a);
      } else {
        ec = ResolveError::kBadName;
      }
      return out;
    }
    Result<std::uint16_t> port = resolve_service(service, options.protocol);
    if (!port) {
      ec = port.code();
      return out;
    }
    if (auto a = SocketAddress::from_numeric(host, *port)) {
      out.push_back(*a);
    } else if (lower(host) == "localhost") {
      out.push_back(*SocketAddress::from_numeric("127.0.0.1", *port));
      out.push_back(*SocketAddress::from_numeric("::1", *port));
    } else {
      out = hosts_file_lookup(host);
      for (SocketAddress& a : out) a.set_port(*port);
      if (out.empty()) {
        ec = ResolveError::kNeedsDns;
        return out;
      }
    }
    bool had_any = !out.empty();
    order_by_preference(out, options.family);
    if (out.empty() && had_any) ec = ResolveError::kNoData;
    return out;
  }
};

std::mutex g_default_mutex;
std::shared_ptr<Resolver> g_default;

}  // namespace

const std::error_category& resolve_category() noexcept {
  static const ResolveCategory category;
  return category;
}

std::error_code make_error_code(ResolveError e) noexcept {
  return {static_cast<int>(e), resolve_category()};
}

Resolver& default_resolver() {
  std::lock_guard lock(g_default_mutex);
  if (!g_default) g_default = builtin_resolver();
  // Resolvers are process-lifetime objects in practice; the pointer stays valid because a
  // replaced resolver is kept alive by the registry below.
  return *g_default;
}

void set_default_resolver(std::shared_ptr<Resolver> resolver) {
  static std::vector<std::shared_ptr<Resolver>> retired;  // references handed out stay valid
  std::lock_guard lock(g_default_mutex);
  if (g_default) retired.push_back(std::move(g_default));
  g_default = resolver ? std::move(resolver) : builtin_resolver();
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
  // "name=port": the port is given; the name only matters for an SRV lookup (AnyEvent).
  if (service.find('=') != std::string_view::npos) {
    if (auto p = number(fallback)) return *p;
    return Result<std::uint16_t>(ResolveError::kBadName,
                                 "bad port in service \"" + std::string(service) + "\"");
  }
  if (name.empty()) return Result<std::uint16_t>(ResolveError::kBadName, "empty service");
  if (auto port = core_internal::service_port(name, protocol)) return *port;
  return Result<std::uint16_t>(ResolveError::kUnknownService,
                               "unknown service \"" + std::string(service) + "\"");
}

std::vector<SocketAddress> hosts_file_lookup(std::string_view name) {
  return hosts_file().lookup(name);
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
