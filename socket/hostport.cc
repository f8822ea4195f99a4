#include "socket/hostport.h"

#include <algorithm>
#include <cctype>

#include "socket/address.h"

namespace ae {
namespace {

// Perl's \s.
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

std::size_t skip_spaces(std::string_view s, std::size_t at) {
  while (at < s.size() && is_space(s[at])) ++at;
  return at;
}

}  // namespace

std::optional<HostPort> parse_hostport(std::string_view text, std::string_view default_service) {
  if (!text.empty() && text[0] == '/') return HostPort{"unix/", std::string(text)};

  // AnyEvent first tries a bare IPv6 address: whitespace, then a run of hex digits, colons and
  // dots whose hex-and-colon prefix holds at least two colons. If such a run is not valid IPv6,
  // the whole string is rejected (Perl's match position has moved past the start, so the other
  // host forms, anchored at the start, cannot match).
  std::string_view host;
  std::size_t pos = skip_spaces(text, 0);
  std::size_t colon_run = pos;
  while (colon_run < text.size() && (is_hex(text[colon_run]) || text[colon_run] == ':'))
    ++colon_run;
  if (std::count(text.begin() + static_cast<std::ptrdiff_t>(pos),
                 text.begin() + static_cast<std::ptrdiff_t>(colon_run), ':') >= 2) {
    std::size_t end = pos;
    while (end < text.size() && (is_hex(text[end]) || text[end] == ':' || text[end] == '.')) ++end;
    host = text.substr(pos, end - pos);
    if (!parse_ipv6(host)) return std::nullopt;
    pos = end;
  } else {
    // Anchored at the very start, so leading whitespace fails these forms, as in AnyEvent.
    if (pos != 0) return std::nullopt;
    if (!text.empty() && text[0] == '[') {
      std::size_t close = text.find_first_of("[]", 1);
      if (close == std::string_view::npos || close == 1 || text[close] != ']') return std::nullopt;
      host = text.substr(1, close - 1);
      pos = close + 1;
    } else {
      std::size_t end = std::min(text.find_first_of("[]: "), text.size());
      if (end == 0) return std::nullopt;
      host = text.substr(0, end);
      pos = end;
    }
  }

  // The port: whitespace, ':' or '#', then non-space non-colon characters, then only whitespace.
  std::string_view rest = text.substr(pos);
  std::string service;
  std::size_t after_sep = 0;
  if (!rest.empty() && is_space(rest[0])) {
    after_sep = skip_spaces(rest, 0);
  } else if (!rest.empty() && (rest[0] == ':' || rest[0] == '#')) {
    after_sep = 1;
  }
  std::size_t port_end = after_sep;
  while (port_end < rest.size() && rest[port_end] != ':' && !is_space(rest[port_end])) ++port_end;
  if (after_sep > 0 && port_end > after_sep && skip_spaces(rest, port_end) == rest.size()) {
    service = rest.substr(after_sep, port_end - after_sep);
  } else if (skip_spaces(rest, 0) == rest.size() && !default_service.empty()) {
    service = default_service;
  } else {
    return std::nullopt;
  }

  // Host names never contain ':'.
  if (host.find(':') != std::string_view::npos && !parse_ipv6(host)) return std::nullopt;
  return HostPort{std::string(host), std::move(service)};
}

std::string format_hostport(std::string_view host, std::string_view service) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  if (!service.empty()) out.append(":").append(service);
  return out;
}

}  // namespace ae
