#include "http/internal/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <exception>

#include "http/error.h"
#include "http/headers.h"

namespace ae::http_internal {
namespace {

bool needs_escape(unsigned char c) noexcept {
  if (c >= 0x80) return true;
  switch (c) {
    case ' ':
    case '"':
    case '<':
    case '>':
    case '\\':
    case '^':
    case '`':
    case '{':
    case '|':
    case '}':
      return true;
    default:
      return false;
  }
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

Result<Url> parse_escaped(std::string_view escaped) {
  auto parsed = boost::urls::parse_uri(escaped);
  if (!parsed) {
    return Error{http::Error::kBadUrl, "unparsable URL (" + parsed.error().message() + ")"};
  }
  const boost::urls::url_view& u = *parsed;
  Url url;
  url.scheme = lower(std::string(u.scheme()));
  if (url.scheme != "http" && url.scheme != "https") {
    return Error{http::Error::kUnsupportedScheme,
                 "only http and https URL schemes supported, not \"" + url.scheme + "\""};
  }
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
      url.host = std::string(u.encoded_host());
      break;
    case boost::urls::host_type::ipv6:
      url.host = std::string(u.encoded_host_address());
      url.ipv6 = true;
      break;
    case boost::urls::host_type::name:
      url.host = lower(u.host_name());
      break;
    default:
      break;
  }
  if (url.host.empty()) return Error{http::Error::kBadUrl, "the URL has no host"};
  if (!http::is_field_value(url.host) || url.host.find_first_of("/ \t") != std::string::npos) {
    return Error{http::Error::kBadUrl, "the URL's host holds characters a host cannot"};
  }
  const std::uint16_t default_port = url.https() ? 443 : 80;
  url.port = default_port;
  std::string_view port = u.port();
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return Error{http::Error::kBadUrl, "bad port \"" + std::string(port) + "\" in the URL"};
    }
    url.port = static_cast<std::uint16_t>(value);
    url.port_given = true;
  }
  url.explicit_port = url.port != default_port;
  url.target = std::string(u.encoded_path());
  if (url.target.empty() || url.target.front() != '/') url.target.insert(0, "/");
  if (u.has_query()) {
    url.target += '?';
    url.target += std::string_view(u.encoded_query());
  }
  url.has_userinfo = u.has_userinfo();
  if (url.has_userinfo) {
    url.user = u.user();
    url.password = u.password();
  }
  boost::urls::url without_fragment(u);
  without_fragment.remove_fragment();
  url.text = std::string(without_fragment.buffer());
  return url;
}

}  // namespace

std::string Url::authority() const {
  std::string out = ipv6 ? "[" + host + "]" : host;
  if (explicit_port) out += ":" + std::to_string(port);
  return out;
}

std::string Url::authority_with_port() const {
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Url::absolute_form() const { return scheme + "://" + authority() + target; }

bool escape_url_text(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.clear();
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return false;
    if (needs_escape(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return true;
}

Result<Url> parse_url(std::string_view text) {
  std::string escaped;
  if (!escape_url_text(text, escaped)) {
    return Error{http::Error::kBadUrl, "the URL holds control characters"};
  }
  try {
    return parse_escaped(escaped);
  } catch (const std::exception& e) {
    return Error{http::Error::kBadUrl, std::string("unparsable URL (") + e.what() + ")"};
  }
}

Result<std::string> resolve_reference(std::string_view base, std::string_view reference) {
  std::string escaped_base;
  std::string escaped_ref;
  if (!escape_url_text(base, escaped_base) || !escape_url_text(reference, escaped_ref)) {
    return Error{http::Error::kBadLocation, "the Location holds control characters"};
  }
  try {
    auto b = boost::urls::parse_uri(escaped_base);
    if (!b) return Error{http::Error::kBadLocation, "unparsable base URL"};
    auto r = boost::urls::parse_uri_reference(escaped_ref);
    if (!r) {
      return Error{http::Error::kBadLocation,
                   "unparsable Location \"" + std::string(reference) + "\""};
    }
    boost::urls::url dest;
    auto resolved = boost::urls::resolve(*b, *r, dest);
    if (!resolved) {
      return Error{http::Error::kBadLocation,
                   "cannot resolve Location \"" + std::string(reference) + "\""};
    }
    // RFC 3986 §5.2.4 drops ".." segments that would climb above the root; Boost.URL 1.81 keeps
    // them ("http://a/../g").
    auto segments = dest.encoded_segments();
    while (dest.is_path_absolute() && !segments.empty() && *segments.begin() == "..") {
      segments.erase(segments.begin());
    }
    return std::string(dest.buffer());
  } catch (const std::exception& e) {
    return Error{http::Error::kBadLocation, std::string("cannot resolve Location: ") + e.what()};
  }
}

}  // namespace ae::http_internal
