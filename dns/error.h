// ae::dns::Error: why a DNS lookup failed (std::error_category "ae.dns").
//
// Every lookup callback of ae::dns::Resolver gets a std::error_code; when it is set, it holds one
// of these values (or std::errc::operation_canceled when the resolver was destroyed first).
// to_resolve_error() maps them onto core's ae::ResolveError for ae::Resolver users.
//
// Example:
//   ae::Guard g = resolver.a("nonexistent.example", [](std::error_code ec, auto records) {
//     if (ec == ae::dns::Error::kNxDomain) std::puts("no such name");
//   });
#pragma once

#include <system_error>

#include "core/resolver.h"

namespace ae::dns {

enum class Error {
  kNxDomain = 1,       // the name does not exist (NXDOMAIN)
  kNoData,             // the name exists but has no record of the wanted type
  kServerFailure,      // the server answered SERVFAIL
  kRefused,            // the server refused the query (REFUSED)
  kFormatError,        // the server could not parse the query (FORMERR)
  kNotImplemented,     // the server does not implement the query (NOTIMP)
  kTimedOut,           // no answer within the retry schedule
  kConnectionRefused,  // no server could be reached (ICMP unreachable, TCP refused)
  kBadName,            // the name is malformed (empty label, label > 63, name > 255 octets)
  kBadResponse,        // the answer is malformed or does not belong to the question
  kCnameLoop,          // a CNAME chain longer than 10 links
  kNotVerified,        // reverse_verify: no PTR name maps back to the address
  kBadAddress,         // reverse_lookup/reverse_verify: not an IPv4 or IPv6 address
  kNoMemory,           // c-ares could not allocate memory
  kQueueFull,          // Options::max_queued queries already wait for a slot
};

const std::error_category& dns_category() noexcept;
std::error_code make_error_code(Error e) noexcept;

// The closest ae::ResolveError for `ec` (a dns error, or anything else: kServerFailure).
ResolveError to_resolve_error(std::error_code ec) noexcept;

}  // namespace ae::dns

template <>
struct std::is_error_code_enum<ae::dns::Error> : std::true_type {};
