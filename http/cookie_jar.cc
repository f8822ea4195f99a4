#include "http/cookie_jar.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "http/date.h"
#include "http/internal/public_suffix.h"
#include "http/internal/url.h"

namespace ae::http {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

bool is_ip(const http_internal::Url& url) {
  if (url.ipv6) return true;
  in_addr a{};
  return ::inet_pton(AF_INET, url.host.c_str(), &a) == 1;
}

// RFC 6265 §5.1.3: `host` is `domain` or a name inside it.
bool domain_match(std::string_view host, std::string_view domain) noexcept {
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

// RFC 6265 §5.1.4.
std::string default_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return "/";
  std::size_t last = path.rfind('/');
  if (last == 0) return "/";
  return std::string(path.substr(0, last));
}

bool path_match(std::string_view request_path, std::string_view cookie_path) noexcept {
  if (request_path == cookie_path) return true;
  if (!request_path.starts_with(cookie_path)) return false;
  return cookie_path.back() == '/' || request_path[cookie_path.size()] == '/';
}

// The path of an origin-form target ("/a/b?q" -> "/a/b").
std::string_view path_of(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

}  // namespace

bool CookieJar::set_cookie(std::string_view url_text, std::string_view header, double now,
                           std::optional<double> server_date) {
  Result<http_internal::Url> url = http_internal::parse_url(url_text);
  if (!url) return false;

  // §5.2: the name-value pair, then the attributes.
  std::size_t semi = header.find(';');
  std::string_view pair = header.substr(0, semi);
  std::string_view attributes =
      semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
  std::size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return false;
  std::string_view name = trim(pair.substr(0, eq));
  std::string_view value = trim(pair.substr(eq + 1));
  if (name.empty() || name.size() + value.size() > kMaxCookieSize) return false;
  // A value that could not be sent back in a Cookie field is refused (RFC 6265bis §5.6).
  for (char c : std::string(name) + std::string(value)) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }

  Cookie cookie;
  cookie.name = name;
  cookie.value = value;
  std::optional<double> max_age_expiry;
  std::optional<double> expires_expiry;
  std::string domain_attribute;
  std::string path_attribute;
  while (!attributes.empty()) {
    std::size_t next = attributes.find(';');
    std::string_view av = attributes.substr(0, next);
    attributes = next == std::string_view::npos ? std::string_view() : attributes.substr(next + 1);
    std::size_t av_eq = av.find('=');
    std::string key = lower(trim(av.substr(0, av_eq)));
    std::string_view val =
        av_eq == std::string_view::npos ? std::string_view() : trim(av.substr(av_eq + 1));
    if (key == "expires") {
      if (std::optional<double> t = parse_date(val)) {
        // Relative to the server's clock, as AnyEvent::HTTP reads it.
        expires_expiry = server_date ? now + (*t - *server_date) : *t;
      }
    } else if (key == "max-age") {
      bool negative = !val.empty() && val.front() == '-';
      std::string_view digits = negative ? val.substr(1) : val;
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
        continue;
      }
      double seconds = 0;
      for (char c : digits) seconds = std::min(seconds * 10 + (c - '0'), 1e12);
      max_age_expiry =
          negative || seconds == 0 ? -std::numeric_limits<double>::infinity() : now + seconds;
    } else if (key == "domain") {
      std::string_view d = val;
      if (!d.empty() && d.front() == '.') d.remove_prefix(1);
      if (!d.empty()) domain_attribute = lower(d);
    } else if (key == "path") {
      path_attribute = val.empty() || val.front() != '/' ? std::string() : std::string(val);
    } else if (key == "secure") {
      cookie.secure = true;
    } else if (key == "httponly") {
      cookie.http_only = true;
    } else if (key == "samesite") {
      cookie.same_site = val;
    }
  }
  if (max_age_expiry) {
    cookie.expires = max_age_expiry;
  } else if (expires_expiry) {
    cookie.expires = expires_expiry;
  }

  // §5.3: where the cookie belongs.
  if (!domain_attribute.empty()) {
    if (domain_attribute.back() == '.') return false;
    if (is_ip(*url)) {
      if (domain_attribute != url->host) return false;
      cookie.host_only = true;
    } else {
      if (!domain_match(url->host, domain_attribute)) return false;
      // §5.3 step 5: no cookie for a whole registry ("co.uk", "github.io"); a host that is
      // itself such a name keeps a host-only one.
      const bool registry = http_internal::is_public_suffix(domain_attribute);
      if (registry && domain_attribute != url->host) return false;
      cookie.host_only = registry;
    }
    cookie.domain = domain_attribute;
  } else {
    cookie.domain = url->host;
    cookie.host_only = true;
  }
  cookie.path = path_attribute.empty() ? default_path(path_of(url->target)) : path_attribute;
  if (cookie.secure && !url->https()) return false;

  cookie.created = cookie.last_access = now;
  auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& c) {
    return c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path;
  });
  bool expired = cookie.expires && *cookie.expires <= now;
  if (same != cookies_.end()) {
    if (expired) {
      cookies_.erase(same);
      return true;
    }
    cookie.created = same->created;
    *same = std::move(cookie);
    return true;
  }
  if (expired) return false;
  std::string domain = cookie.domain;
  cookies_.push_back(std::move(cookie));
  evict(domain);
  return true;
}

void CookieJar::store(std::string_view url, const Headers& response_headers, double now) {
  std::optional<double> server_date;
  if (auto date = response_headers.get("Date")) server_date = parse_date(*date);
  for (std::string_view value : response_headers.get_all("Set-Cookie")) {
    set_cookie(url, value, now, server_date);
  }
}

std::string CookieJar::cookie_header(std::string_view url_text, double now) {
  Result<http_internal::Url> url = http_internal::parse_url(url_text);
  if (!url) return {};
  expire(now);
  std::string_view path = path_of(url->target);
  std::vector<Cookie*> matching;
  for (Cookie& c : cookies_) {
    bool host_ok =
        c.host_only ? url->host == c.domain : !is_ip(*url) && domain_match(url->host, c.domain);
    if (!host_ok || !path_match(path, c.path) || (c.secure && !url->https())) continue;
    matching.push_back(&c);
  }
  // §5.4: longer paths first, then the older cookies.
  std::stable_sort(matching.begin(), matching.end(), [](const Cookie* a, const Cookie* b) {
    if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
    return a->created < b->created;
  });
  std::string out;
  for (Cookie* c : matching) {
    if (!out.empty()) out += "; ";
    out += c->name;
    out += '=';
    out += c->value;
    c->last_access = now;
  }
  return out;
}

void CookieJar::expire(double now, bool session_end) {
  std::erase_if(cookies_,
                [&](const Cookie& c) { return c.expires ? *c.expires <= now : session_end; });
}

void CookieJar::evict(const std::string& domain) {
  auto oldest_of = [&](auto pred) {
    auto victim = cookies_.end();
    for (auto it = cookies_.begin(); it != cookies_.end(); ++it) {
      if (pred(*it) && (victim == cookies_.end() || it->last_access < victim->last_access)) {
        victim = it;
      }
    }
    return victim;
  };
  auto in_domain = [&](const Cookie& c) { return c.domain == domain; };
  while (std::count_if(cookies_.begin(), cookies_.end(), in_domain) >
         static_cast<std::ptrdiff_t>(kMaxPerDomain)) {
    cookies_.erase(oldest_of(in_domain));
  }
  while (cookies_.size() > kMaxCookies) {
    cookies_.erase(oldest_of([](const Cookie&) { return true; }));
  }
}

}  // namespace ae::http
