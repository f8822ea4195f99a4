// resolve_sockaddr: the one resolution policy (see core/resolver.h) over any ae::Resolver.
#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/loop.h"
#include "core/resolver.h"

namespace ae {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// How telling a failure is, when no family gave an address: a name that does not exist beats a
// failure (it will not exist on retry either), and a failure beats "no data".
int rank(std::error_code ec) {
  if (ec == ResolveError::kHostNotFound) return 3;
  if (ec == ResolveError::kNoData) return 1;
  return ec ? 2 : 0;
}

// One resolve_sockaddr over a resolver: SRV first when asked for, then every target's addresses
// in every wanted family at once. Owned by the callbacks of its requests and by its resolution
// delay timer's owner (itself, kept alive by those callbacks); its Guard holds it weakly and
// cancels it. Incremental, it gives addresses out before the end, as RFC 8305 section 3 says.
class SockaddrLookup : public std::enable_shared_from_this<SockaddrLookup> {
 public:
  struct Target {
    std::string host;
    std::uint16_t port = 0;
  };

  SockaddrLookup(Resolver& resolver, std::vector<int> families, ResolveProgressCallback cb,
                 bool incremental)
      : resolver_(resolver),
        families_(std::move(families)),
        cb_(std::move(cb)),
        incremental_(incremental) {}

  void cancel() noexcept {
    cb_ = nullptr;
    cancelled_ = true;
    delay_.reset();
    auto requests = std::move(requests_);
  }

  void start(const std::string& host, std::uint16_t port, const std::string& srv_name) {
    host_ = host;
    if (srv_name.empty()) return resolve({Target{host, port}});
    ++pending_;
    requests_.push_back(
        resolver_.resolve_srv(srv_name, [self = shared_from_this(), host, port](
                                            std::error_code ec, std::vector<SrvTarget> targets) {
          self->on_srv(ec, std::move(targets), host, port);
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
        if (family == families_.front()) ++preferred_pending_;
        requests_.push_back(
            resolver_.resolve_addresses(t.host, family,
                                        [self = shared_from_this(), i, family](
                                            std::error_code ec, std::vector<SocketAddress> addrs) {
                                          self->on_addresses(i, family, ec, std::move(addrs));
                                        }));
      }
    }
    if (pending_ == 0) {
      // Only numeric SRV targets: still delivered from the loop, after this call.
      ++pending_;
      requests_.push_back(postpone_cancellable([self = shared_from_this()] { self->done_one(); }));
    }
  }

 private:
  void on_srv(std::error_code ec, std::vector<SrvTarget> srv, const std::string& host,
              std::uint16_t port) {
    if (!cb_) return;
    --pending_;
    if (ec == std::errc::operation_canceled) return fail(ec);
    std::vector<Target> targets;
    for (SrvTarget& t : srv) {
      if (t.host != "." && !t.host.empty()) targets.push_back({std::move(t.host), t.port});
    }
    if (!srv.empty() && targets.empty()) return fail(ResolveError::kNoData);  // RFC 2782's "."
    // No SRV records, or no answer about them: the host itself.
    if (targets.empty()) targets.push_back({host, port});
    resolve(std::move(targets));
  }

  void on_addresses(std::size_t target, int family, std::error_code ec,
                    std::vector<SocketAddress> addrs) {
    if (!cb_) return;
    if (family == families_.front()) --preferred_pending_;
    if (ec == std::errc::operation_canceled) return fail(ec);
    bool any = false;
    for (SocketAddress& a : addrs) {
      if (a.family() != family) continue;
      a.set_port(targets_[target].port);
      add(target, a);
      any = true;
    }
    // The hosts file counts for a family the resolver gave nothing for (AnyEvent's rule).
    if (!any) {
      for (SocketAddress& a : hosts_file_lookup(targets_[target].host)) {
        if (a.family() != family) continue;
        a.set_port(targets_[target].port);
        add(target, a);
        any = true;
      }
    }
    if (!any && rank(ec ? ec : ResolveError::kNoData) > rank(error_)) {
      error_ = ec ? ec : make_error_code(ResolveError::kNoData);
    }
    done_one();
  }

  void add(std::size_t target, const SocketAddress& a) {
    auto it = std::find(families_.begin(), families_.end(), a.family());
    if (it == families_.end()) return;
    found_.push_back(Found{static_cast<std::size_t>(it - families_.begin()), target, a});
  }

  void done_one() {
    if (--pending_ == 0) return finish();
    if (incremental_) give_out_early();
  }

  // RFC 8305 section 3: the preferred family's addresses go at once; another family's wait for
  // them until the resolution delay ends or the preferred lookups end empty-handed; once some
  // went, the rest go as they come.
  void give_out_early() {
    if (found_.empty()) return;
    bool preferred = std::any_of(found_.begin(), found_.end(),
                                 [](const Found& f) { return f.family_rank == 0; });
    if (given_any_ || preferred || preferred_pending_ == 0) return give_out();
    if (!delay_) {
      delay_ = timer(kResolutionDelay, [this] {
        std::shared_ptr<SockaddrLookup> keep = shared_from_this();
        delay_.reset();
        give_out();
      });
    }
  }

  void give_out() {
    if (!cb_ || found_.empty()) return;
    delay_.reset();
    given_any_ = true;
    ResolveProgressCallback cb = std::move(cb_);
    cb_ = nullptr;
    cb(std::error_code(), take_found(), false);
    if (!cancelled_) cb_ = std::move(cb);
  }

  void fail(std::error_code ec) {
    found_.clear();
    error_ = ec;
    finish();
  }

  std::vector<SocketAddress> take_found() {
    std::stable_sort(found_.begin(), found_.end(), [](const Found& a, const Found& b) {
      return a.family_rank != b.family_rank ? a.family_rank < b.family_rank : a.target < b.target;
    });
    std::vector<SocketAddress> out;
    for (const Found& f : found_) out.push_back(f.address);
    found_.clear();
    return out;
  }

  void finish() {
    if (!cb_) return;
    delay_.reset();
    std::vector<SocketAddress> out = take_found();
    std::error_code ec;
    if (out.empty() && !given_any_) {
      // A name the hosts file knows in another family exists: it only lacks the wanted one.
      bool known = error_ != std::errc::operation_canceled && !host_.empty() &&
                   !hosts_file_lookup(host_).empty();
      ec = known || !error_ ? make_error_code(ResolveError::kNoData) : error_;
    }
    ResolveProgressCallback cb = std::move(cb_);
    cb_ = nullptr;
    auto requests = std::move(requests_);  // ends the other requests (a failure cut them short)
    cb(ec, std::move(out), true);
  }

  struct Found {
    std::size_t family_rank;
    std::size_t target;
    SocketAddress address;
  };

  Resolver& resolver_;
  std::vector<int> families_;   // wanted, most preferred first
  ResolveProgressCallback cb_;  // empty while it runs, and once finished or cancelled
  bool incremental_;
  bool cancelled_ = false;
  bool given_any_ = false;
  std::string host_;
  std::vector<Target> targets_;
  std::vector<Found> found_;  // not given out yet
  std::size_t pending_ = 0;
  std::size_t preferred_pending_ = 0;  // requests for families_.front()
  std::error_code error_;
  Timer delay_;  // the resolution delay, while another family's addresses wait
  std::vector<Guard> requests_;
};

Guard fail_later(ResolveProgressCallback cb, std::error_code ec) {
  return postpone_cancellable([cb = std::move(cb), ec]() mutable { cb(ec, {}, true); });
}

Guard succeed_later(ResolveProgressCallback cb, std::vector<SocketAddress> addrs) {
  return postpone_cancellable(
      [cb = std::move(cb), addrs = std::move(addrs)]() mutable { cb({}, std::move(addrs), true); });
}

Guard start_lookup(Resolver& resolver, std::string_view host, std::string_view service,
                   const ResolveOptions& options, ResolveProgressCallback cb, bool incremental) {
  if (options.family != 0 && options.family != 4 && options.family != 6) {
    throw std::invalid_argument("ae::resolve_sockaddr: family must be 0, 4 or 6, not " +
                                std::to_string(options.family));
  }
  if (host == "unix/") {
    std::optional<SocketAddress> address;
    if (options.family == 0 && service.starts_with('/'))
      address = SocketAddress::unix_path(service);
    if (!address) return fail_later(std::move(cb), ResolveError::kBadName);
    return succeed_later(std::move(cb), {*address});
  }

  std::vector<int> families = protocol_preference();
  if (options.family == 4) std::erase(families, AF_INET6);
  if (options.family == 6) std::erase(families, AF_INET);
  if (families.empty()) return fail_later(std::move(cb), ResolveError::kFamilyDisabled);

  Result<std::uint16_t> port = resolve_service(service, options.protocol);
  if (!port) return fail_later(std::move(cb), port.code());
  // A service given by name (alone or as "name=port") is also looked up as SRV records.
  std::string srv_service;
  if (std::size_t eq = service.find('='); eq != std::string_view::npos) {
    srv_service = service.substr(0, eq);
  } else if (!std::all_of(service.begin(), service.end(),
                          [](char c) { return c >= '0' && c <= '9'; })) {
    srv_service = service;
  }

  auto numeric_or_local = [&]() -> std::optional<std::vector<SocketAddress>> {
    if (auto a = SocketAddress::from_numeric(host, *port)) return std::vector{*a};
    std::string name = lower_ascii(host);
    if (name == "localhost" || name == "localhost.") {
      return std::vector{*SocketAddress::from_numeric("127.0.0.1", *port),
                         *SocketAddress::from_numeric("::1", *port)};
    }
    return std::nullopt;
  };
  if (auto addrs = numeric_or_local()) {
    std::erase_if(*addrs, [&](const SocketAddress& a) {
      return std::find(families.begin(), families.end(), a.family()) == families.end();
    });
    std::stable_sort(addrs->begin(), addrs->end(),
                     [&](const SocketAddress& a, const SocketAddress& b) {
                       return std::find(families.begin(), families.end(), a.family()) <
                              std::find(families.begin(), families.end(), b.family());
                     });
    if (addrs->empty()) return fail_later(std::move(cb), ResolveError::kNoData);
    return succeed_later(std::move(cb), std::move(*addrs));
  }
  if (host.empty()) return fail_later(std::move(cb), ResolveError::kBadName);

  auto lookup =
      std::make_shared<SockaddrLookup>(resolver, std::move(families), std::move(cb), incremental);
  std::string srv_name;
  if (!srv_service.empty()) {
    srv_name = "_" + srv_service + "._" + std::string(options.protocol) + "." + std::string(host);
    if (!srv_name.ends_with('.')) srv_name += '.';
  }
  lookup->start(std::string(host), *port, srv_name);
  return Guard([w = std::weak_ptr<SockaddrLookup>(lookup)] {
    if (auto l = w.lock()) l->cancel();
  });
}

}  // namespace

Guard resolve_sockaddr(Resolver& resolver, std::string_view host, std::string_view service,
                       const ResolveOptions& options, ResolveCallback cb) {
  return start_lookup(
      resolver, host, service, options,
      [cb = std::move(cb)](std::error_code ec, std::vector<SocketAddress> addrs, bool) mutable {
        cb(ec, std::move(addrs));
      },
      false);
}

Guard resolve_sockaddr_incremental(Resolver& resolver, std::string_view host,
                                   std::string_view service, const ResolveOptions& options,
                                   ResolveProgressCallback cb) {
  return start_lookup(resolver, host, service, options, std::move(cb), true);
}

Guard resolve_sockaddr(std::string_view host, std::string_view service,
                       const ResolveOptions& options, ResolveCallback cb) {
  return resolve_sockaddr(default_resolver(), host, service, options, std::move(cb));
}

}  // namespace ae
