#include "dns/resolver.h"

#include <utility>

#include "dns/internal/engine.h"
#include "dns/internal/lookup.h"

namespace ae::dns {

Resolver::Resolver() : Resolver(Options::from_environment()) {}

Resolver::Resolver(Options options)
    : engine_(std::make_shared<dns_internal::Engine>(Loop::current(), std::move(options))) {}

Resolver::~Resolver() { engine_->shutdown(); }

Guard Resolver::resolve(std::string_view name, std::uint16_t type, Callback cb,
                        const QueryOptions& options) {
  return dns_internal::start_lookup(engine_, name, type, options, std::move(cb));
}

namespace {
Guard lookup(const std::shared_ptr<dns_internal::Engine>& engine, std::string_view name,
             RrType type, Resolver::Callback cb) {
  return dns_internal::start_lookup(engine, name, static_cast<std::uint16_t>(type), {},
                                    std::move(cb));
}
}  // namespace

Guard Resolver::a(std::string_view name, Callback cb) {
  return lookup(engine_, name, RrType::kA, std::move(cb));
}
Guard Resolver::aaaa(std::string_view name, Callback cb) {
  return lookup(engine_, name, RrType::kAaaa, std::move(cb));
}
Guard Resolver::cname(std::string_view name, Callback cb) {
  return lookup(engine_, name, RrType::kCname, std::move(cb));
}
Guard Resolver::mx(std::string_view name, Callback cb) {
  return lookup(engine_, name, RrType::kMx, std::move(cb));
}
Guard Resolver::ns(std::string_view name, Callback cb) {
  return lookup(engine_, name, RrType::kNs, std::move(cb));
}
Guard Resolver::txt(std::string_view name, Callback cb) {
  return lookup(engine_, name, RrType::kTxt, std::move(cb));
}
Guard Resolver::ptr(std::string_view name, Callback cb) {
  return lookup(engine_, name, RrType::kPtr, std::move(cb));
}
Guard Resolver::soa(std::string_view name, Callback cb) {
  return lookup(engine_, name, RrType::kSoa, std::move(cb));
}
Guard Resolver::any(std::string_view name, Callback cb) {
  return lookup(engine_, name, RrType::kAny, std::move(cb));
}

Guard Resolver::srv(std::string_view service, std::string_view proto, std::string_view domain,
                    Callback cb) {
  std::string name =
      "_" + std::string(service) + "._" + std::string(proto) + "." + std::string(domain);
  return lookup(engine_, name, RrType::kSrv, std::move(cb));
}

Guard Resolver::reverse_lookup(std::string_view ip, NamesCallback cb) {
  return dns_internal::start_reverse_lookup(engine_, ip, std::move(cb));
}

Guard Resolver::reverse_verify(std::string_view ip, NamesCallback cb) {
  return dns_internal::start_reverse_verify(engine_, ip, std::move(cb));
}

Guard Resolver::request(std::string_view name, std::uint16_t type, MessageCallback cb,
                        std::uint16_t qclass) {
  return dns_internal::start_request(engine_, name, type, qclass, std::move(cb));
}

Guard Resolver::resolve_addresses(std::string_view name, int family, AddressesCallback cb) {
  return dns_internal::start_resolve_addresses(engine_, name, family, std::move(cb));
}

Guard Resolver::resolve_srv(std::string_view name, SrvCallback cb) {
  return dns_internal::start_resolve_srv(engine_, name, std::move(cb));
}

const Options& Resolver::options() const noexcept { return engine_->options(); }
void Resolver::set_max_outstanding(std::size_t n) { engine_->set_max_outstanding(n); }
void Resolver::set_timeouts(std::vector<double> timeouts) {
  engine_->set_timeouts(std::move(timeouts));
}
void Resolver::clear_cache() noexcept { engine_->clear_cache(); }
Resolver::Stats Resolver::stats() const noexcept { return engine_->stats(); }
Loop& Resolver::loop() const noexcept { return engine_->loop(); }

}  // namespace ae::dns
