// DNS resource records as ae::dns lookups deliver them: typed data with the owner name and TTL.
//
// Names are text without the trailing dot ("www.example.com"; the root is ""), with the
// presentation-format escapes of RFC 1035 for unusual octets ("a\.b" for a dot inside a label,
// "\032" for a space). Record::text() renders the data the way `dig +short` prints it.
//
// Example:
//   for (const ae::dns::Record& r : records) {
//     if (const auto* mx = r.as<ae::dns::Mx>()) use(mx->preference, mx->exchange);
//     std::printf("%s %u %s\n", r.name.c_str(), r.ttl, r.text().c_str());
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/socket_address.h"

namespace ae::dns {

// Record types (the values are the wire codes); other codes are valid too.
enum class RrType : std::uint16_t {
  kA = 1,
  kNs = 2,
  kCname = 5,
  kSoa = 6,
  kPtr = 12,
  kHinfo = 13,
  kMx = 15,
  kTxt = 16,
  kAaaa = 28,
  kSrv = 33,
  kNaptr = 35,
  kDname = 39,
  kOpt = 41,
  kSpf = 99,
  kAny = 255,  // "*": every type
  kUri = 256,
  kCaa = 257,
};

// Record classes.
inline constexpr std::uint16_t kClassIn = 1;
inline constexpr std::uint16_t kClassCh = 3;
inline constexpr std::uint16_t kClassHs = 4;
inline constexpr std::uint16_t kClassAny = 255;

// "A", "MX", ... or "TYPE<n>" (RFC 3597) for codes without a name.
std::string type_name(std::uint16_t type);
// The code for "a", "MX", "*", "any", "TYPE65" (case-insensitive); nullopt when unknown.
std::optional<std::uint16_t> type_from_name(std::string_view name);

// A (IPv4) and AAAA (IPv6) data: the address, with port 0.
using Address = SocketAddress;
// NS, CNAME, PTR and DNAME data: a domain name.
struct Name {
  std::string name;
  friend bool operator==(const Name&, const Name&) = default;
};
struct Mx {
  std::uint16_t preference = 0;
  std::string exchange;
  friend bool operator==(const Mx&, const Mx&) = default;
};
// TXT and SPF data: the character-strings, in order (a long text is split into several).
struct Txt {
  std::vector<std::string> strings;
  // The strings joined, which is what SPF, DKIM and most other TXT users want.
  std::string joined() const;
  friend bool operator==(const Txt&, const Txt&) = default;
};
struct Srv {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // "" (the root) means "the service is not available here"
  friend bool operator==(const Srv&, const Srv&) = default;
};
struct Soa {
  std::string mname;
  std::string rname;
  std::uint32_t serial = 0;
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
  std::uint32_t minimum = 0;
  friend bool operator==(const Soa&, const Soa&) = default;
};
struct Caa {
  std::uint8_t flags = 0;
  std::string tag;
  std::string value;
  friend bool operator==(const Caa&, const Caa&) = default;
};
// Data of any other type, undecoded.
struct Raw {
  std::vector<std::uint8_t> bytes;
  friend bool operator==(const Raw&, const Raw&) = default;
};

using RData = std::variant<Raw, Address, Name, Mx, Txt, Srv, Soa, Caa>;

struct Record {
  std::string name;        // the owner name
  std::uint16_t type = 0;  // an RrType value
  std::uint16_t rclass = kClassIn;
  std::uint32_t ttl = 0;  // seconds; counts down while the record sits in the cache
  RData data;

  // The data as alternative T (Address, Name, Mx, ...), or null when it holds another one.
  template <class T>
  const T* as() const noexcept {
    return std::get_if<T>(&data);
  }
  bool is(RrType t) const noexcept { return type == static_cast<std::uint16_t>(t); }

  // The data in dig's short form: "192.0.2.1", "10 mail.example.com.", "\"text\"", ...
  std::string text() const;
};

// Escapes one label's octets for presentation ("a.b" -> "a\.b", a space -> "\032").
std::string escape_label(std::string_view octets);

}  // namespace ae::dns
