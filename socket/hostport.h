// AnyEvent::Socket's parse_hostport and format_hostport: "host:port" strings that also work for
// IPv6 literals and unix-domain sockets.
//
// Example:
//   auto hp = ae::parse_hostport("[::1]:8080");        // {"::1", "8080"}
//   auto dflt = ae::parse_hostport("localhost", "http"); // {"localhost", "http"}
//   ae::parse_hostport("[::1]");                        // std::nullopt: no port, no default
//   ae::format_hostport("::1", "80");                   // "[::1]:80"
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ae {

// A host (name, numeric address or "unix/") and a service (port number, service name,
// "name=port", or a unix socket's path), both as text.
struct HostPort {
  std::string host;
  std::string service;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// AnyEvent::Socket::parse_hostport, with its exact grammar:
//   host:port, ipv4:port         "www.x.de:443", "127.1:22", "www.x.de:https=443"
//   ipv6                         "::1", "affe::1" (leading whitespace allowed)
//   [ipv4or6]:port, [x] port     "[::1]:80", "[10.0.1]", "[www.x.org] 17"
//   ipv6 port, ipv6#port         "::1 443", "::1#443"
//   x port                       "10.0.0.1 smtp" (only a space ends a plain host)
//   unix/:path                   "unix/:/path/to/socket"  -> {"unix/", "/path/to/socket"}
//   /path                        "/path/to/socket"         -> {"unix/", "/path/to/socket"}
// Trailing whitespace is ignored. Without a port, `default_service` is used when non-empty.
// std::nullopt when there is no port and no default, or on a parse error: e.g. a host with a ':'
// that is not a valid IPv6 address, or text after the port.
std::optional<HostPort> parse_hostport(std::string_view text,
                                       std::string_view default_service = {});

// AnyEvent::Socket::format_hostport: the host, in brackets when it contains ':', then ":service"
// when `service` is non-empty. parse_hostport reads the result back.
std::string format_hostport(std::string_view host, std::string_view service = {});

}  // namespace ae
