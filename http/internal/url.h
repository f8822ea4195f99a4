// The client's view of a URL, parsed and resolved with Boost.URL (no hand-written URL parser).
//
// Example:
//   ae::Result<Url> u = parse_url("http://user:pw@[::1]:8080/a b?q=1#frag");
//   u->host == "::1"; u->port == 8080; u->target == "/a%20b?q=1"; u->authority() == "[::1]:8080"
//   resolve_reference("http://h/p/q", "../x").value() == "http://h/x"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ae::http_internal {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // a name (lower case) or an address, without IPv6 brackets
  bool ipv6 = false;   // host is an IPv6 literal
  std::uint16_t port = 0;
  bool explicit_port = false;  // the URL named a port that is not the scheme's default
  bool port_given = false;     // the URL named a port (even the default one)
  std::string target;          // the origin-form request target: "/path?query", at least "/"
  bool has_userinfo = false;
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded
  std::string text;      // the whole URL as it will be reported, without the fragment

  bool https() const noexcept { return scheme == "https"; }
  // host[:port] as the Host header and CONNECT want it: brackets around IPv6, the port only when
  // it is not the scheme's default.
  std::string authority() const;
  // host:port, always with the port (CONNECT's request target).
  std::string authority_with_port() const;
  // scheme://authority + target: the absolute form a proxy gets.
  std::string absolute_form() const;
};

// Parses an absolute http or https URL. Characters a URL may not hold but people type (spaces,
// bytes above 127, "<>\"{}|\\^`") are percent-encoded first, as browsers and curl do.
// Errors: http::Error::kUnsupportedScheme for another scheme; kBadUrl for an unparsable URL, one
// without a host, a bad port, or with control characters.
Result<Url> parse_url(std::string_view text);

// RFC 3986 §5 reference resolution of `reference` (a redirect's Location) against `base`.
// Errors: http::Error::kBadLocation when either cannot be parsed.
Result<std::string> resolve_reference(std::string_view base, std::string_view reference);

// `text` with the characters a URI may not contain percent-encoded ('%' itself is left alone).
// Returns false (and leaves `out` unspecified) when `text` holds ASCII control characters.
bool escape_url_text(std::string_view text, std::string& out);

}  // namespace ae::http_internal
