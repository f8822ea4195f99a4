// ae::http::CookieJar: the client's cookies, kept as RFC 6265 says (AnyEvent::HTTP's cookie_jar,
// with the checks that jar leaves out).
//
// Give a jar to requests through Options::cookie_jar: the client adds the matching cookies to
// every request (each redirect hop too) and stores the Set-Cookie fields of every response.
//
// Unlike AnyEvent::HTTP's jar, a server may only set cookies for its own host or a domain that
// its host is inside (never for a public suffix such as "com", "co.uk" or "github.io", from the
// Public Suffix List through libpsl, nor with a Domain attribute when the host is an IP address);
// Path defaults to the directory of the request's path; the path match stops at a '/' boundary; a
// Secure cookie is neither set over plain http nor sent there; Max-Age wins over Expires. Values
// are stored and sent as the server gave them (quotes included). As in AnyEvent, Expires is read
// relative to the response's Date, so a server whose clock is off still gets the lifetime it meant.
//
// Example:
//   ae::http::CookieJar jar;
//   ae::http::Options o;
//   o.cookie_jar = &jar;
//   auto r1 = ae::http::http_get("http://127.0.0.1:8080/login", o, cb1);   // Set-Cookie: sid=1
//   auto r2 = ae::http::http_get("http://127.0.0.1:8080/account", o, cb2); // Cookie: sid=1
//   jar.set_cookie("https://example.org/a/b", "id=7; Secure; Max-Age=60", ae::time());
//   jar.cookie_header("https://example.org/a/c", ae::time());            // "id=7"
//
// Thread safety: a jar is a plain object; use it from one thread (the loop's that runs its
// requests). Lifetime: it must outlive the requests it is given to.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/headers.h"

namespace ae::http {

struct Cookie {
  std::string name;
  std::string value;
  std::string domain;  // lower case, no leading dot
  std::string path;
  bool host_only = true;  // set without a Domain attribute: sent to exactly `domain`
  bool secure = false;
  bool http_only = false;
  std::string same_site;          // the attribute as sent ("" when absent)
  std::optional<double> expires;  // seconds since 1970; nullopt for a session cookie
  double created = 0;
  double last_access = 0;
};

class CookieJar {
 public:
  // The most cookies kept for one domain and in all (the oldest used go first), and the most
  // bytes a cookie's name and value may take (RFC 6265 §6.1's minimums).
  static constexpr std::size_t kMaxPerDomain = 50;
  static constexpr std::size_t kMaxCookies = 3000;
  static constexpr std::size_t kMaxCookieSize = 4096;

  // Stores the cookie of one Set-Cookie value received from `url` at time `now` (seconds since
  // 1970); `server_date` is the response's Date, when known. Returns true when it was stored (or
  // deleted an older one, for an expiry in the past), false when it was ignored: malformed, too
  // big, for a domain the URL's host may not set, Secure over plain http, or an unusable URL.
  bool set_cookie(std::string_view url, std::string_view set_cookie, double now,
                  std::optional<double> server_date = std::nullopt);
  // Stores every Set-Cookie field of a response to `url` (its Date field, when valid, corrects
  // the server's clock).
  void store(std::string_view url, const Headers& response_headers, double now);

  // The value of the Cookie field for a request to `url` at `now`: the matching cookies, longest
  // path first, as "a=1; b=2"; "" when none match. Expired cookies are dropped on the way.
  std::string cookie_header(std::string_view url, double now);

  // Drops the cookies expired at `now`, and with `session_end` the session cookies too
  // (AnyEvent::HTTP's cookie_jar_expire).
  void expire(double now, bool session_end = false);

  const std::vector<Cookie>& cookies() const noexcept { return cookies_; }
  void clear() noexcept { cookies_.clear(); }

 private:
  void evict(const std::string& domain);

  std::vector<Cookie> cookies_;
};

}  // namespace ae::http
