#include "socket/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace ae {
namespace {

constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return (c | 0x20) - 'a' + 10;
}

// One inet_aton part: 0x-hex (at least one digit), 0-octal, or decimal without a leading zero.
// Values beyond 32 bits are reported as too large rather than wrapped.
std::optional<std::uint64_t> parse_ipv4_part(std::string_view part) {
  constexpr std::uint64_t kTooLarge = std::uint64_t{1} << 33;
  if (part.empty()) return std::nullopt;
  unsigned base = 10;
  std::string_view digits = part;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    // AnyEvent's pattern spells the prefix "0x" only.
    if (part[1] == 'X') return std::nullopt;
    base = 16;
    digits = part.substr(2);
    if (digits.empty()) return std::nullopt;
  } else if (part[0] == '0') {
    base = 8;
  }
  std::uint64_t value = 0;
  for (char c : digits) {
    unsigned d;
    if (base == 16) {
      if (!is_hex(c)) return std::nullopt;
      d = static_cast<unsigned>(hex_value(c));
    } else {
      if (c < '0' || c > (base == 8 ? '7' : '9')) return std::nullopt;
      d = static_cast<unsigned>(c - '0');
    }
    value = std::min(value * base + d, kTooLarge);
  }
  return value;
}

// Splits on `sep`, keeping empty fields (unlike Perl's split, which drops trailing ones and so
// would accept "1:2:3:4:5:6:7:8:"). An empty string has no fields.
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  if (s.empty()) return out;
  for (;;) {
    std::size_t at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

bool is_group(std::string_view g) {
  return !g.empty() && g.size() <= 4 && std::all_of(g.begin(), g.end(), is_hex);
}

std::uint16_t group_value(std::string_view g) {
  unsigned v = 0;
  for (char c : g) v = v * 16 + static_cast<unsigned>(hex_value(c));
  return static_cast<std::uint16_t>(v);
}

bool starts_with(const Ipv6Bytes& a, const std::uint8_t* prefix, std::size_t n) {
  return std::memcmp(a.data(), prefix, n) == 0;
}

Ipv4Bytes tail_v4(const Ipv6Bytes& a) { return {a[12], a[13], a[14], a[15]}; }

}  // namespace

HostAddress::HostAddress(const Ipv4Bytes& v4) noexcept : family_(AF_INET) {
  std::copy(v4.begin(), v4.end(), bytes_.begin());
}

HostAddress::HostAddress(const Ipv6Bytes& v6) noexcept : family_(AF_INET6), bytes_(v6) {}

HostAddress HostAddress::unix_token() noexcept {
  HostAddress a;
  a.family_ = AF_UNIX;
  return a;
}

std::span<const std::uint8_t> HostAddress::bytes() const noexcept {
  switch (family_) {
    case AF_INET:
      return {bytes_.data(), 4};
    case AF_INET6:
      return {bytes_.data(), 16};
    default:
      return {};
  }
}

Ipv4Bytes HostAddress::ipv4() const noexcept {
  if (family_ != AF_INET) return {};
  return {bytes_[0], bytes_[1], bytes_[2], bytes_[3]};
}

Ipv6Bytes HostAddress::ipv6() const noexcept { return family_ == AF_INET6 ? bytes_ : Ipv6Bytes{}; }

bool operator==(const HostAddress& a, const HostAddress& b) noexcept {
  return a.family_ == b.family_ && a.bytes_ == b.bytes_;
}

std::optional<Ipv4Bytes> parse_ipv4(std::string_view text) {
  std::vector<std::string_view> parts = split(text, '.');
  if (parts.empty() || parts.size() > 4) return std::nullopt;
  std::uint64_t values[4] = {};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto v = parse_ipv4_part(parts[i]);
    if (!v) return std::nullopt;
    values[i] = *v;
  }
  std::size_t last = parts.size() - 1;
  for (std::size_t i = 0; i < last; ++i) {
    if (values[i] >= 256) return std::nullopt;
  }
  // The last part fills the bytes the others left: 32 bits alone, 8 bits after three others.
  if (values[last] >= (std::uint64_t{1} << (8 * (4 - last)))) return std::nullopt;
  std::uint64_t n = values[last];
  for (std::size_t i = 0; i < last; ++i) n += values[i] << (24 - 8 * i);
  return Ipv4Bytes{static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                   static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

std::optional<Ipv6Bytes> parse_ipv6(std::string_view text) {
  auto colons = static_cast<std::size_t>(std::count(text.begin(), text.end(), ':'));
  if (colons < 2 || colons > 8) {
    if (colons == 0) {
      if (auto v4 = parse_ipv4(text)) {
        Ipv6Bytes out{};
        std::copy(std::begin(kMappedPrefix), std::end(kMappedPrefix), out.begin());
        std::copy(v4->begin(), v4->end(), out.begin() + 12);
        return out;
      }
    }
    return std::nullopt;
  }
  std::size_t gap = text.find("::");
  std::string_view head, tail = text;
  if (gap != std::string_view::npos) {
    head = text.substr(0, gap);
    tail = text.substr(gap + 2);
  }
  std::vector<std::string_view> h = split(head, ':');
  std::vector<std::string_view> t = split(tail, ':');
  std::vector<std::uint16_t> tail_groups;
  std::optional<Ipv4Bytes> v4_tail;
  if (!t.empty() && t.back().find('.') != std::string_view::npos) {
    if (colons > 6) return std::nullopt;
    v4_tail = parse_ipv4(t.back());
    if (!v4_tail) return std::nullopt;
    t.pop_back();
  }
  std::size_t count = h.size() + t.size() + (v4_tail ? 2 : 0);
  if (gap == std::string_view::npos ? count != 8 : count > 8) return std::nullopt;
  if (!std::all_of(h.begin(), h.end(), is_group) || !std::all_of(t.begin(), t.end(), is_group)) {
    return std::nullopt;
  }
  std::uint16_t groups[8] = {};
  std::size_t i = 0;
  for (std::string_view g : h) groups[i++] = group_value(g);
  i = 8 - t.size() - (v4_tail ? 2 : 0);
  for (std::string_view g : t) groups[i++] = group_value(g);
  if (v4_tail) {
    const Ipv4Bytes& b = *v4_tail;
    groups[6] = static_cast<std::uint16_t>(b[0] << 8 | b[1]);
    groups[7] = static_cast<std::uint16_t>(b[2] << 8 | b[3]);
  }
  Ipv6Bytes out{};
  for (std::size_t g = 0; g < 8; ++g) {
    out[2 * g] = static_cast<std::uint8_t>(groups[g] >> 8);
    out[2 * g + 1] = static_cast<std::uint8_t>(groups[g]);
  }
  return out;
}

std::optional<HostAddress> parse_unix(std::string_view text) {
  if (text == "unix/") return HostAddress::unix_token();
  return std::nullopt;
}

std::optional<HostAddress> parse_address(std::string_view text) {
  if (auto v6 = parse_ipv6(text)) {
    if (starts_with(*v6, kMappedPrefix, sizeof kMappedPrefix)) return HostAddress(tail_v4(*v6));
    return HostAddress(*v6);
  }
  return parse_unix(text);
}

std::string format_ipv4(const Ipv4Bytes& a) {
  char out[INET_ADDRSTRLEN];
  std::snprintf(out, sizeof out, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
  return out;
}

std::string format_ipv6(const Ipv6Bytes& a) {
  static constexpr std::uint8_t kZero[16] = {};
  static constexpr std::uint8_t kTranslated[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
  if (starts_with(a, kZero, 8)) {
    if (starts_with(a, kZero, 16)) return "::";
    if (starts_with(a, kZero, 15) && a[15] == 1) return "::1";
    if (starts_with(a, kZero, 12)) return "::" + format_ipv4(tail_v4(a));
    if (starts_with(a, kMappedPrefix, 12)) return "::ffff:" + format_ipv4(tail_v4(a));
    if (starts_with(a, kTranslated, 12)) return "::ffff:0:" + format_ipv4(tail_v4(a));
  }
  unsigned groups[8];
  for (std::size_t g = 0; g < 8; ++g) groups[g] = unsigned{a[2 * g]} << 8 | a[2 * g + 1];
  // The first longest run of at least two zero groups becomes "::".
  std::size_t best_at = 8, best_len = 1;
  for (std::size_t g = 0; g < 8;) {
    if (groups[g] != 0) {
      ++g;
      continue;
    }
    std::size_t end = g;
    while (end < 8 && groups[end] == 0) ++end;
    if (end - g > best_len) {
      best_at = g;
      best_len = end - g;
    }
    g = end;
  }
  std::string out;
  char buf[8];
  for (std::size_t g = 0; g < 8; ++g) {
    if (g == best_at) {
      out += "::";
      g += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", groups[g]);
    out += buf;
  }
  return out;
}

std::string format_address(const HostAddress& address) {
  switch (address.family()) {
    case AF_INET:
      return format_ipv4(address.ipv4());
    case AF_INET6: {
      Ipv6Bytes a = address.ipv6();
      if (starts_with(a, kMappedPrefix, sizeof kMappedPrefix)) return format_ipv4(tail_v4(a));
      return format_ipv6(a);
    }
    case AF_UNIX:
      return "unix/";
    default:
      return "";
  }
}

int address_family(const HostAddress& address) noexcept { return address.family(); }

SocketAddress pack_sockaddr(std::uint16_t port, const HostAddress& host) {
  switch (host.family()) {
    case AF_INET: {
      sockaddr_in v4{};
      v4.sin_family = AF_INET;
      v4.sin_port = htons(port);
      std::memcpy(&v4.sin_addr, host.bytes().data(), 4);
      return SocketAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
    }
    case AF_INET6: {
      sockaddr_in6 v6{};
      v6.sin6_family = AF_INET6;
      v6.sin6_port = htons(port);
      std::memcpy(&v6.sin6_addr, host.bytes().data(), 16);
      return SocketAddress(reinterpret_cast<const sockaddr*>(&v6), sizeof v6);
    }
    case AF_UNIX: {
      sockaddr_un un{};
      un.sun_family = AF_UNIX;
      return SocketAddress(reinterpret_cast<const sockaddr*>(&un), sizeof(sa_family_t));
    }
    default:
      return SocketAddress();
  }
}

UnpackedSockaddr unpack_sockaddr(const SocketAddress& address) {
  UnpackedSockaddr out;
  switch (address.family()) {
    case AF_INET: {
      Ipv4Bytes b;
      std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in*>(address.get())->sin_addr, 4);
      out.host = b;
      out.port = address.port();
      break;
    }
    case AF_INET6: {
      Ipv6Bytes b;
      std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in6*>(address.get())->sin6_addr, 16);
      out.host = b;
      out.port = address.port();
      break;
    }
    case AF_UNIX:
      out.host = HostAddress::unix_token();
      break;
    default:
      break;
  }
  return out;
}

std::string format_host(const SocketAddress& address) {
  return format_address(unpack_sockaddr(address).host);
}

}  // namespace ae
