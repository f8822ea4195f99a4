#include "dns/error.h"

#include <string>

namespace ae::dns {
namespace {

class DnsCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ae.dns"; }
  std::string message(int e) const override {
    switch (static_cast<Error>(e)) {
      case Error::kNxDomain:
        return "no such domain name (NXDOMAIN)";
      case Error::kNoData:
        return "the name has no record of the requested type";
      case Error::kServerFailure:
        return "DNS server failure (SERVFAIL)";
      case Error::kRefused:
        return "DNS query refused (REFUSED)";
      case Error::kFormatError:
        return "DNS server could not parse the query (FORMERR)";
      case Error::kNotImplemented:
        return "DNS server does not implement the query (NOTIMP)";
      case Error::kTimedOut:
        return "DNS query timed out";
      case Error::kConnectionRefused:
        return "no DNS server could be reached";
      case Error::kBadName:
        return "malformed domain name";
      case Error::kBadResponse:
        return "malformed DNS response";
      case Error::kCnameLoop:
        return "CNAME chain too long";
      case Error::kNotVerified:
        return "no PTR name maps back to the address";
      case Error::kBadAddress:
        return "not an IPv4 or IPv6 address";
      case Error::kNoMemory:
        return "out of memory in the DNS resolver";
      case Error::kQueueFull:
        return "too many DNS queries waiting (max_queued)";
    }
    return "unknown DNS error";
  }
};

}  // namespace

const std::error_category& dns_category() noexcept {
  static const DnsCategory category;
  return category;
}

std::error_code make_error_code(Error e) noexcept { return {static_cast<int>(e), dns_category()}; }

ResolveError to_resolve_error(std::error_code ec) noexcept {
  if (ec.category() == resolve_category()) return static_cast<ResolveError>(ec.value());
  if (ec.category() != dns_category()) return ResolveError::kServerFailure;
  switch (static_cast<Error>(ec.value())) {
    case Error::kNxDomain:
    case Error::kNotVerified:
      return ResolveError::kHostNotFound;
    case Error::kNoData:
      return ResolveError::kNoData;
    case Error::kTimedOut:
      return ResolveError::kTimedOut;
    case Error::kRefused:
      return ResolveError::kRefused;
    case Error::kBadName:
    case Error::kBadAddress:
      return ResolveError::kBadName;
    default:
      return ResolveError::kServerFailure;
  }
}

}  // namespace ae::dns
