// Which proxy a request goes through: an explicit setting, or the environment as curl reads it.
//
// Example:
//   Result<std::optional<Proxy>> p = choose_proxy(url, options.proxy);
//   if (p && *p) connect to (*p)->host : (*p)->port
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/internal/url.h"

namespace ae::http_internal {

struct Proxy {
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 1080;
  std::string authorization;  // "Basic ..." from the proxy URL's user:password, or ""
  std::string text;           // "http://host:port" (for the pool key and messages)
};

// Parses "http://[user:pass@]host[:port]" or "host[:port]" (port 1080 by default).
// Errors: http::Error::kUnsupportedScheme for another scheme (https and socks proxies are not
// supported), kBadUrl for an unparsable one.
Result<Proxy> parse_proxy(std::string_view text);

// True when `no_proxy` (comma- or space-separated host names, domains with or without a leading
// dot, IP addresses, networks such as "10.0.0.0/8" or "fd00::/8" for a URL whose host is an
// address, or "*") says to reach `url` directly.
bool no_proxy_matches(std::string_view no_proxy, const Url& url);

// The proxy for `url`: `setting` when given ("" for none), else the environment (http_proxy for
// http, https_proxy / HTTPS_PROXY for https, all_proxy / ALL_PROXY for both, unless
// no_proxy / NO_PROXY matches). An unusable proxy setting is an error.
Result<std::optional<Proxy>> choose_proxy(const Url& url,
                                          const std::optional<std::string>& setting);

// "Basic " + base64(user:password).
std::string basic_authorization(std::string_view user, std::string_view password);

}  // namespace ae::http_internal
