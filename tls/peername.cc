#include "tls/peername.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace ae::tls {
namespace {

struct Scheme {
  std::string_view name;
  PeerNameRules rules;
};

constexpr PeerNameRules kRfc4513{Wildcards::kNone, Wildcards::kLeftmostLabel, CheckCn::kAlways};
constexpr PeerNameRules kRfc2818{Wildcards::kNone, Wildcards::kInFirstLabel,
                                 CheckCn::kWithoutDnsSan};
constexpr PeerNameRules kRfc3207{Wildcards::kNone, Wildcards::kNone, CheckCn::kAlways};
constexpr PeerNameRules kRfc6125{Wildcards::kNone, Wildcards::kLeftmostLabel,
                                 CheckCn::kWithoutDnsSan};

// AnyEvent::TLS's %CN_SCHEME, plus rfc6125.
constexpr std::array kSchemes = {
    Scheme{"ldap", kRfc4513},  Scheme{"ldaps", kRfc4513},   Scheme{"rfc4513", kRfc4513},
    Scheme{"pop3", kRfc4513},  Scheme{"pop3s", kRfc4513},   Scheme{"imap", kRfc4513},
    Scheme{"imaps", kRfc4513}, Scheme{"acap", kRfc4513},    Scheme{"rfc2595", kRfc4513},
    Scheme{"nntp", kRfc4513},  Scheme{"nntps", kRfc4513},   Scheme{"rfc4642", kRfc4513},
    Scheme{"http", kRfc2818},  Scheme{"https", kRfc2818},   Scheme{"rfc2818", kRfc2818},
    Scheme{"xmpp", kRfc2818},  Scheme{"rfc3920", kRfc2818}, Scheme{"ftp", kRfc2818},
    Scheme{"ftps", kRfc2818},  Scheme{"rfc4217", kRfc2818}, Scheme{"smtp", kRfc3207},
    Scheme{"smtps", kRfc3207}, Scheme{"rfc3207", kRfc3207}, Scheme{"rfc6125", kRfc6125},
};

// Leading and trailing control characters go (as in AnyEvent), and one trailing dot (the
// absolute form of a DNS name).
std::string_view clean(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) < 0x20) s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) < 0x20) s.remove_suffix(1);
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequal(s.substr(s.size() - suffix.size()), suffix);
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequal(s.substr(0, prefix.size()), prefix);
}

// The packed address of an IPv4 or IPv6 literal, or "" for anything else.
std::string ip_bytes(std::string_view text) {
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return std::string(reinterpret_cast<char*>(buf), 16);
  }
  return {};
}

}  // namespace

bool is_ip_address(std::string_view name) { return !ip_bytes(clean(name)).empty(); }

std::optional<PeerNameRules> peername_scheme(std::string_view name) {
  for (const Scheme& s : kSchemes) {
    if (s.name == name) return s.rules;
  }
  return std::nullopt;
}

bool is_peername_scheme(std::string_view name) noexcept {
  return name == "none" || std::any_of(kSchemes.begin(), kSchemes.end(),
                                       [&](const Scheme& s) { return s.name == name; });
}

bool match_name(std::string_view pattern, std::string_view name, Wildcards wildcards) {
  pattern = clean(pattern);
  name = clean(name);
  if (pattern.empty() || name.empty()) return false;
  const std::size_t star = pattern.find('*');
  const std::size_t first_dot = pattern.find('.');
  // A wildcard needs a non-empty rest after it and must sit in the first label.
  const bool usable = star != std::string_view::npos && star + 1 < pattern.size() &&
                      (first_dot == std::string_view::npos || star < first_dot);
  if (wildcards == Wildcards::kLeftmostLabel && usable && star == 0 && pattern[1] == '.') {
    // "*.rest": exactly one non-empty label, then ".rest".
    std::string_view rest = pattern.substr(1);
    if (!iends_with(name, rest) || name.size() == rest.size()) return false;
    std::string_view label = name.substr(0, name.size() - rest.size());
    return label.find('.') == std::string_view::npos;
  }
  if (wildcards == Wildcards::kInFirstLabel && usable) {
    // "prefix*suffix": prefix, then any characters but '.', then suffix.
    std::string_view prefix = pattern.substr(0, star);
    std::string_view suffix = pattern.substr(star + 1);
    if (name.size() < prefix.size() + suffix.size()) return false;
    if (!istarts_with(name, prefix) || !iends_with(name, suffix)) return false;
    std::string_view middle =
        name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (prefix.empty() && middle.empty()) return false;  // an empty label
    return middle.find('.') == std::string_view::npos;
  }
  return iequal(pattern, name);
}

bool verify_peername(const Certificate& cert, std::string_view peername,
                     const PeerNameRules& rules) {
  if (!cert) return false;
  peername = clean(peername);
  if (peername.empty()) return false;
  const std::string ip = ip_bytes(peername);
  bool have_dns = false;
  bool matched = false;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.native(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names) && !matched; ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_IPADD) {
      std::string_view bytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.iPAddress)),
                             static_cast<std::size_t>(ASN1_STRING_length(n->d.iPAddress)));
      matched = !ip.empty() && bytes == ip;
    } else if (n->type == GEN_DNS) {
      have_dns = true;
      std::string_view dns(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                           static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
      // An embedded NUL would let "good.com\0.evil.com" pass as "good.com": never a match.
      matched = ip.empty() && dns.find('\0') == std::string_view::npos &&
                match_name(dns, peername, rules.alt_wildcards);
    }
  }
  GENERAL_NAMES_free(names);
  if (matched) return true;
  if (!ip.empty()) return false;  // an address only matches an IP-address subjectAltName
  if (rules.check_cn == CheckCn::kAlways ||
      (rules.check_cn == CheckCn::kWithoutDnsSan && !have_dns)) {
    std::string cn = cert.common_name();
    return cn.find('\0') == std::string::npos && match_name(cn, peername, rules.cn_wildcards);
  }
  return false;
}

}  // namespace ae::tls
