// Host addresses in network form, and AnyEvent::Socket's parsers and formatters for them.
//
// AnyEvent passes host addresses around as packed byte strings: 4 bytes for IPv4, 16 for IPv6,
// and a special token for unix-domain sockets. ae::HostAddress is that value; the functions keep
// AnyEvent's names and its exact semantics (parse_ipv4 takes every inet_aton form, parse_address
// turns a v4-mapped IPv6 address into IPv4, format_ipv6 writes the special v4 forms).
//
// Example:
//   std::optional<ae::HostAddress> a = ae::parse_address("::ffff:10.0.0.1");
//   a->family();                        // AF_INET: v4-mapped addresses become IPv4
//   ae::format_address(*a);             // "10.0.0.1"
//   ae::format_ipv6(*ae::parse_ipv6("2002:5345::10.0.0.1"));  // "2002:5345::a00:1"
//   ae::format_ipv4(*ae::parse_ipv4("127.1"));               // "127.0.0.1"
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/socket_address.h"

namespace ae {

using Ipv4Bytes = std::array<std::uint8_t, 4>;
using Ipv6Bytes = std::array<std::uint8_t, 16>;

// A host address in network form: IPv4 (4 bytes), IPv6 (16 bytes), AnyEvent's unix-domain token,
// or empty (what a failed conversion would be in AnyEvent: undef).
class HostAddress {
 public:
  constexpr HostAddress() noexcept = default;
  HostAddress(const Ipv4Bytes& v4) noexcept;  // NOLINT: implicit, the bytes are the address
  HostAddress(const Ipv6Bytes& v6) noexcept;  // NOLINT: implicit
  // The token parse_unix("unix/") returns.
  static HostAddress unix_token() noexcept;

  // AF_INET, AF_INET6, AF_UNIX, or AF_UNSPEC when empty.
  int family() const noexcept { return family_; }
  bool empty() const noexcept { return family_ == AF_UNSPEC; }
  // The address bytes: 4 for IPv4, 16 for IPv6, none for the unix token or an empty address.
  std::span<const std::uint8_t> bytes() const noexcept;
  // The IPv4 bytes (zeros unless family() is AF_INET) and the IPv6 bytes (zeros unless AF_INET6).
  Ipv4Bytes ipv4() const noexcept;
  Ipv6Bytes ipv6() const noexcept;

  friend bool operator==(const HostAddress& a, const HostAddress& b) noexcept;

 private:
  int family_ = AF_UNSPEC;
  std::array<std::uint8_t, 16> bytes_{};
};

// AnyEvent::Socket::parse_ipv4: every POSIX inet_aton form, i.e. one to four parts separated by
// dots, each decimal, octal (leading 0) or hex (0x); all parts but the last are bytes, the last
// fills the remaining bytes ("10.1" is 10.0.0.1, "0x7f.1" is 127.0.0.1, "0377.0377.0377.0377" is
// 255.255.255.255). std::nullopt for anything else (no whitespace, no empty parts).
std::optional<Ipv4Bytes> parse_ipv4(std::string_view text);

// AnyEvent::Socket::parse_ipv6: RFC 2373 text with "::" compression and a dotted IPv4 tail (any
// parse_ipv4 form, only with at most six colons); plain IPv4 text (any parse_ipv4 form) gives the
// v4-mapped address ::ffff:a.b.c.d. Scope ids ("fe80::1%eth0") do not parse.
std::optional<Ipv6Bytes> parse_ipv6(std::string_view text);

// AnyEvent::Socket::parse_unix: the unix-domain token for exactly "unix/", else std::nullopt.
std::optional<HostAddress> parse_unix(std::string_view text);

// AnyEvent::Socket::parse_address (aton): IPv6 text (a v4-mapped result, ::ffff:a.b.c.d, becomes
// the IPv4 address), else IPv4 text in any parse_ipv4 form, else "unix/". std::nullopt for
// anything else; names are never looked up.
std::optional<HostAddress> parse_address(std::string_view text);

// AnyEvent::Socket::format_ipv4: dotted quad.
std::string format_ipv4(const Ipv4Bytes& address);

// AnyEvent::Socket::format_ipv6: lower-case hex groups without leading zeros, the first longest
// run of zero groups as "::", and AnyEvent's special forms: "::", "::1", "::a.b.c.d" (IPv4
// compatible), "::ffff:a.b.c.d" (v4-mapped) and "::ffff:0:a.b.c.d" (v4-translated).
std::string format_ipv6(const Ipv6Bytes& address);

// AnyEvent::Socket::format_address (ntoa): IPv4 dotted, a v4-mapped IPv6 address as dotted IPv4,
// other IPv6 as format_ipv6, the unix token as "unix/", an empty address as "".
std::string format_address(const HostAddress& address);

// AnyEvent::Socket::address_family: AF_INET, AF_INET6, AF_UNIX (or AF_UNSPEC when empty).
int address_family(const HostAddress& address) noexcept;

// AnyEvent::Socket::pack_sockaddr for IPv4 and IPv6 hosts: the socket address of `host`:`port`
// (flow info and scope id 0). The unix token gives an unnamed unix-domain address; use
// SocketAddress::unix_path() for a named one. An empty host gives an empty SocketAddress.
SocketAddress pack_sockaddr(std::uint16_t port, const HostAddress& host);

// AnyEvent::Socket::unpack_sockaddr: the port and host of a socket address. A unix-domain address
// gives port 0 and the unix token (its path is address.host()); other families an empty host.
struct UnpackedSockaddr {
  std::uint16_t port = 0;
  HostAddress host;
};
UnpackedSockaddr unpack_sockaddr(const SocketAddress& address);

// The host of a socket address formatted as AnyEvent does it (format_address of
// unpack_sockaddr's host): a client reaching an IPv6 listener over IPv4 shows as "127.0.0.1",
// not "::ffff:127.0.0.1".
std::string format_host(const SocketAddress& address);

}  // namespace ae
