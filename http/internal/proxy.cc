#include "http/internal/proxy.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "http/error.h"
#include "http/headers.h"

namespace ae::http_internal {
namespace {

std::string_view env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string_view() : std::string_view(v);
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                 static_cast<unsigned char>(in[i + 1]) << 8 | static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += i + 1 < in.size() ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// An IP address in binary, for comparing the forms one address can be written in.
struct Address {
  int family = 0;  // AF_INET or AF_INET6; 0 when the text is not an address
  unsigned char bytes[16] = {};
  std::size_t size() const noexcept { return family == AF_INET ? 4 : 16; }
};

Address address_of(std::string_view text) {
  Address a;
  std::string s(text);
  if (::inet_pton(AF_INET, s.c_str(), a.bytes) == 1) {
    a.family = AF_INET;
  } else if (::inet_pton(AF_INET6, s.c_str(), a.bytes) == 1) {
    a.family = AF_INET6;
  }
  return a;
}

// `entry` is an address ("127.0.0.1", "::1") or a network ("10.0.0.0/8", "fd00::/8", as curl
// takes them) that holds the address `host`.
bool address_matches(std::string_view entry, const Address& host) {
  std::size_t slash = entry.find('/');
  Address net = address_of(entry.substr(0, slash));
  if (net.family == 0 || net.family != host.family) return false;
  std::size_t bits = net.size() * 8;
  if (slash != std::string_view::npos) {
    std::string_view len = entry.substr(slash + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), value);
    if (ec != std::errc() || end != len.data() + len.size() || value > bits) return false;
    bits = value;
  }
  if (std::memcmp(net.bytes, host.bytes, bits / 8) != 0) return false;
  if (bits % 8 == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - bits % 8));
  return (net.bytes[bits / 8] & mask) == (host.bytes[bits / 8] & mask);
}

}  // namespace

std::string basic_authorization(std::string_view user, std::string_view password) {
  std::string credentials(user);
  credentials += ':';
  credentials += password;
  return "Basic " + base64(credentials);
}

Result<Proxy> parse_proxy(std::string_view text) {
  std::string with_scheme(text);
  if (with_scheme.find("://") == std::string::npos) with_scheme.insert(0, "http://");
  std::string_view scheme = std::string_view(with_scheme).substr(0, with_scheme.find("://"));
  if (!http::iequals(scheme, "http")) {
    return Error{http::Error::kUnsupportedScheme,
                 "only http:// proxies are supported, not \"" + std::string(text) + "\""};
  }
  Result<Url> url = parse_url(with_scheme);
  if (!url) return Error{url.code(), "bad proxy \"" + std::string(text) + "\": " + url.message()};
  Proxy p;
  p.host = url->host;
  p.port = url->port_given ? url->port : 1080;
  if (url->has_userinfo) p.authorization = basic_authorization(url->user, url->password);
  p.text = "http://" + (url->ipv6 ? "[" + p.host + "]" : p.host) + ":" + std::to_string(p.port);
  return p;
}

bool no_proxy_matches(std::string_view no_proxy, const Url& url) {
  const Address host_address = address_of(url.host);
  std::size_t i = 0;
  while (i < no_proxy.size()) {
    while (i < no_proxy.size() && (no_proxy[i] == ',' || no_proxy[i] == ' ')) ++i;
    std::size_t start = i;
    while (i < no_proxy.size() && no_proxy[i] != ',' && no_proxy[i] != ' ') ++i;
    std::string_view entry = no_proxy.substr(start, i - start);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '.') entry.remove_prefix(1);
    if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') {
      entry = entry.substr(1, entry.size() - 2);
    }
    std::string_view host = url.host;
    if (http::iequals(host, entry)) return true;
    if (host_address.family != 0) {
      if (address_matches(entry, host_address)) return true;
      continue;  // an address is not inside a domain
    }
    if (!url.ipv6 && host.size() > entry.size() && host[host.size() - entry.size() - 1] == '.' &&
        http::iequals(host.substr(host.size() - entry.size()), entry)) {
      return true;
    }
  }
  return false;
}

Result<std::optional<Proxy>> choose_proxy(const Url& url,
                                          const std::optional<std::string>& setting) {
  std::string_view chosen;
  if (setting) {
    chosen = *setting;
  } else {
    std::string_view no_proxy = env("no_proxy");
    if (no_proxy.empty()) no_proxy = env("NO_PROXY");
    if (no_proxy_matches(no_proxy, url)) return std::optional<Proxy>();
    // Not HTTP_PROXY: in a CGI program that name is the client's "Proxy:" header (httpoxy).
    if (url.https()) {
      chosen = env("https_proxy");
      if (chosen.empty()) chosen = env("HTTPS_PROXY");
    } else {
      chosen = env("http_proxy");
    }
    if (chosen.empty()) chosen = env("all_proxy");
    if (chosen.empty()) chosen = env("ALL_PROXY");
  }
  if (chosen.empty()) return std::optional<Proxy>();
  Result<Proxy> p = parse_proxy(chosen);
  if (!p) return p.error();
  return std::optional<Proxy>(std::move(*p));
}

}  // namespace ae::http_internal
