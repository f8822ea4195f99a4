// The lookups a Resolver offers, as small operations over the Engine. Private to //dns.
//
// Each operation is heap-allocated and kept alive by the callbacks it has outstanding; the
// Guard it returns holds only a weak reference, so cancelling drops the callbacks and with them
// the operation.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <system_error>

#include "core/guard.h"
#include "dns/resolver.h"

namespace ae::dns_internal {

class Engine;

// AnyEvent::DNS::resolve; MX records come sorted by preference and SRV records in RFC 2782
// order.
Guard start_lookup(std::shared_ptr<Engine> engine, std::string_view name, std::uint16_t type,
                   const dns::QueryOptions& options, dns::Resolver::Callback cb);

// AnyEvent::DNS::request.
Guard start_request(std::shared_ptr<Engine> engine, std::string_view name, std::uint16_t type,
                    std::uint16_t qclass, dns::Resolver::MessageCallback cb);

// reverse_lookup and reverse_verify.
Guard start_reverse_lookup(std::shared_ptr<Engine> engine, std::string_view ip,
                           dns::Resolver::NamesCallback cb);
Guard start_reverse_verify(std::shared_ptr<Engine> engine, std::string_view ip,
                           dns::Resolver::NamesCallback cb);

// The ae::Resolver part: addresses of one family, and SRV targets.
Guard start_resolve_addresses(std::shared_ptr<Engine> engine, std::string_view name, int family,
                              ae::Resolver::AddressesCallback cb);
Guard start_resolve_srv(std::shared_ptr<Engine> engine, std::string_view name,
                        ae::Resolver::SrvCallback cb);

// ASCII lower case.
std::string lower_ascii(std::string_view s);

// Wraps an operation's cancel() in a Guard that holds it weakly.
template <class Op>
Guard cancel_guard(const std::shared_ptr<Op>& op) {
  return Guard([w = std::weak_ptr<Op>(op)] {
    if (auto op = w.lock()) op->cancel();
  });
}

}  // namespace ae::dns_internal
