// resolve_sockaddr: AnyEvent::Socket::resolve_sockaddr over the DNS lookups.
#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/resolver.h"
#include "dns/internal/engine.h"
#include "dns/internal/idn.h"
#include "dns/internal/lookup.h"

namespace ae::dns_internal {
namespace {

struct Target {
  std::string host;
  std::uint16_t port = 0;
};

struct Found {
  std::size_t family_rank;
  std::size_t target;
  SocketAddress address;
};

class SockaddrOp : public std::enable_shared_from_this<SockaddrOp> {
 public:
  SockaddrOp(std::shared_ptr<Engine> engine, std::vector<int> families, ResolveCallback cb)
      : engine_(std::move(engine)), families_(std::move(families)), cb_(std::move(cb)) {}

  void cancel() {
    cb_ = nullptr;
    auto lookups = std::move(lookups_);
  }

  // Delivers `address` from the loop.
  void succeed_later(const SocketAddress& address) {
    found_.push_back(Found{0, 0, address});
    engine_->defer([self = shared_from_this()] { self->finish(); });
  }

  // Delivers `ec` from the loop.
  void fail_later(std::error_code ec) {
    error_ = ec;
    engine_->defer([self = shared_from_this()] { self->finish(); });
  }

  void lookup_srv(const std::string& srv_name, const std::string& host, std::uint16_t port) {
    ++pending_;
    lookups_.push_back(start_lookup(
        engine_, srv_name, static_cast<std::uint16_t>(dns::RrType::kSrv), {},
        [self = shared_from_this(), host, port](std::error_code ec, std::vector<dns::Record> rr) {
          self->on_srv(ec, rr, host, port);
        }));
  }

  void resolve(std::vector<Target> targets) {
    targets_ = std::move(targets);
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      const Target& t = targets_[i];
      if (auto numeric = SocketAddress::from_numeric(t.host, t.port)) {
        add(i, *numeric);
        continue;
      }
      for (int family : families_) {
        ++pending_;
        auto type =
            static_cast<std::uint16_t>(family == AF_INET ? dns::RrType::kA : dns::RrType::kAaaa);
        lookups_.push_back(start_lookup(engine_, t.host, type, {},
                                        [self = shared_from_this(), i, family](
                                            std::error_code ec, std::vector<dns::Record> rr) {
                                          self->on_addresses(i, family, ec, rr);
                                        }));
      }
    }
    if (pending_ == 0) {
      ++pending_;
      engine_->defer([self = shared_from_this()] { self->done_one(); });
    }
  }

 private:
  void on_srv(std::error_code ec, const std::vector<dns::Record>& rr, const std::string& host,
              std::uint16_t port) {
    if (!cb_) return;
    --pending_;
    if (ec == std::errc::operation_canceled) return cancelled(ec);
    std::vector<Target> targets;
    for (const dns::Record& r : rr) {
      const auto* srv = r.as<dns::Srv>();
      if (srv != nullptr && !srv->target.empty()) targets.push_back({srv->target, srv->port});
    }
    if (!rr.empty() && targets.empty()) {
      // Only "." targets: the service is decidedly not available at this domain (RFC 2782).
      error_ = ResolveError::kNoData;
      return finish();
    }
    if (targets.empty()) targets.push_back({host, port});  // no SRV records: the plain way
    resolve(std::move(targets));
  }

  void on_addresses(std::size_t target, int family, std::error_code ec,
                    const std::vector<dns::Record>& rr) {
    if (!cb_) return;
    if (ec == std::errc::operation_canceled) return cancelled(ec);
    bool any = false;
    for (const dns::Record& r : rr) {
      if (const auto* a = r.as<dns::Address>(); a && a->family() == family) {
        SocketAddress sa = *a;
        sa.set_port(targets_[target].port);
        add(target, sa);
        any = true;
      }
    }
    // The hosts file counts only when DNS gave nothing for this family (AnyEvent's rule).
    if (!any) {
      std::string_view host = targets_[target].host;
      if (host.ends_with('.')) host.remove_suffix(1);
      for (SocketAddress sa : hosts_file_lookup(host)) {
        if (sa.family() != family) continue;
        sa.set_port(targets_[target].port);
        add(target, sa);
        any = true;
      }
    }
    if (!any) note(ec ? ec : std::error_code(dns::Error::kNoData));
    done_one();
  }

  void add(std::size_t target, const SocketAddress& a) {
    auto it = std::find(families_.begin(), families_.end(), a.family());
    if (it == families_.end()) return;
    found_.push_back(Found{static_cast<std::size_t>(it - families_.begin()), target, a});
  }

  void note(std::error_code ec) {
    // NXDOMAIN anywhere means the name does not exist; else a failure beats "no data".
    if (error_ == dns::Error::kNxDomain) return;
    if (ec == dns::Error::kNxDomain || !error_ || error_ == dns::Error::kNoData) error_ = ec;
  }

  // The resolver was destroyed: that is the outcome, whatever else is pending.
  void cancelled(std::error_code ec) {
    ResolveCallback cb = std::move(cb_);
    cb_ = nullptr;
    auto lookups = std::move(lookups_);
    cb(ec, {});
  }

  void done_one() {
    if (--pending_ == 0) finish();
  }

  void finish() {
    if (!cb_) return;
    std::stable_sort(found_.begin(), found_.end(), [](const Found& a, const Found& b) {
      return a.family_rank != b.family_rank ? a.family_rank < b.family_rank : a.target < b.target;
    });
    std::vector<SocketAddress> out;
    for (const Found& f : found_) out.push_back(f.address);
    std::error_code ec;
    if (out.empty())
      ec = error_ ? make_error_code(dns::to_resolve_error(error_))
                  : make_error_code(ResolveError::kNoData);
    ResolveCallback cb = std::move(cb_);
    cb_ = nullptr;
    cb(ec, std::move(out));
  }

  std::shared_ptr<Engine> engine_;
  std::vector<int> families_;  // wanted, most preferred first
  ResolveCallback cb_;
  std::vector<Target> targets_;
  std::vector<Found> found_;
  std::size_t pending_ = 0;
  std::error_code error_;
  std::vector<Guard> lookups_;
};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint16_t> port_number(std::string_view s) {
  unsigned v = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (!all_digits(s) || err != std::errc() || end != s.data() + s.size() || v > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(v);
}

}  // namespace

Guard start_resolve_sockaddr(std::shared_ptr<Engine> engine, std::string_view host,
                             std::string_view service, const ResolveOptions& options,
                             ResolveCallback cb) {
  if (options.family != 0 && options.family != 4 && options.family != 6) {
    throw std::invalid_argument("resolve_sockaddr: family must be 0, 4 or 6");
  }
  std::vector<int> families = ae::protocol_preference();
  if (options.family == 4) std::erase(families, AF_INET6);
  if (options.family == 6) std::erase(families, AF_INET);

  auto op = std::make_shared<SockaddrOp>(engine, families, std::move(cb));
  Guard guard = cancel_guard(op);

  if (host == "unix/") {
    auto a = SocketAddress::unix_path(service);
    if (a && service.starts_with('/')) {
      op->succeed_later(*a);
    } else {
      op->fail_later(ResolveError::kBadName);
    }
    return guard;
  }
  if (families.empty()) {
    op->fail_later(ResolveError::kFamilyDisabled);
    return guard;
  }

  // The port, and the SRV service name when the service is a name (AnyEvent's rules).
  std::string srv_service;
  std::uint16_t port = 0;
  if (std::size_t eq = service.find('='); eq != std::string_view::npos) {
    auto p = port_number(service.substr(eq + 1));
    if (eq == 0 || !p) {
      op->fail_later(ResolveError::kBadName);
      return guard;
    }
    srv_service = service.substr(0, eq);
    port = *p;
  } else if (all_digits(service)) {
    auto p = port_number(service);
    if (!p) {
      op->fail_later(ResolveError::kBadName);
      return guard;
    }
    port = *p;
  } else {
    Result<std::uint16_t> p = resolve_service(service, options.protocol);
    if (!p) {
      op->fail_later(p.code());
      return guard;
    }
    srv_service = service;
    port = *p;
  }

  std::string name(host);
  if (std::any_of(name.begin(), name.end(), [](char c) { return (c & 0x80) != 0; })) {
    auto ascii = idn_to_ascii(name);
    if (!ascii) {
      op->fail_later(ResolveError::kBadName);
      return guard;
    }
    name = std::move(*ascii);
  }
  name = lower_ascii(name);

  if (name == "localhost" || name == "localhost.") {
    op->resolve({Target{"127.0.0.1", port}, Target{"::1", port}});
  } else if (!srv_service.empty() && !SocketAddress::from_numeric(name, 0)) {
    std::string srv_domain = name.ends_with('.') ? name : name + ".";
    op->lookup_srv("_" + srv_service + "._" + std::string(options.protocol) + "." + srv_domain,
                   name, port);
  } else {
    op->resolve({Target{name, port}});
  }
  return guard;
}

}  // namespace ae::dns_internal
