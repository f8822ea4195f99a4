// Peer-name verification: does a certificate belong to the name we connected to?
// AnyEvent::TLS's `verify_peername` schemes and its verify_hostname / match_cn.
//
// A scheme says where names may be found in a certificate (subjectAltName DNS entries, the
// subject's commonName) and which wildcards count, following the protocol's RFC:
//
//   scheme names                                   cn_wildcards alt_wildcards check_cn
//   ldap ldaps rfc4513 pop3 pop3s imap imaps acap  none         leftmost      always
//     rfc2595 nntp nntps rfc4642
//   http https rfc2818 xmpp rfc3920 ftp ftps       none         in_first      without_dns_san
//     rfc4217
//   smtp smtps rfc3207                             none         none          always
//   rfc6125                                        none         leftmost      without_dns_san
//   none                                           (no check)
//
// Wildcards: `leftmost` lets "*.example.org" stand for exactly one label ("www.example.org",
// not "a.b.example.org", not "example.org"); `in_first` also allows one '*' inside the first
// label ("www*.example.org" matches "www2.example.org"); a '*' alone or outside the first label is
// never a wildcard. Names compare case-insensitively, with leading and trailing control
// characters and a trailing dot removed. A peer name that is an IPv4 or IPv6 address matches only
// an IP-address subjectAltName with the same bytes (RFC 2818 §3.1; AnyEvent also tried the CN).
// Differences from AnyEvent, on purpose: an unknown scheme name is an error instead of passing,
// and the rules have named fields instead of an [cn, alt, check] array. The check_cn column is
// the scheme's own rule; a Context applies it only with ContextOptions::verify_cn_fallback and
// otherwise looks at subjectAltName alone (tls/context.h).
//
// Example:
//   auto rules = ae::tls::peername_scheme("smtp");
//   bool ok = ae::tls::verify_peername(cert, "mail.example.org", *rules);
#pragma once

#include <optional>
#include <string_view>

#include "tls/certificate.h"

namespace ae::tls {

// Where a wildcard may appear in a certificate name.
enum class Wildcards {
  kNone,           // no wildcards
  kLeftmostLabel,  // "*.example.org" (AnyEvent's 1)
  kInFirstLabel,   // "*.example.org" and "www*.example.org" (AnyEvent's 2)
};

// When the subject's commonName is looked at.
enum class CheckCn {
  kNever,          // only subjectAltName counts
  kWithoutDnsSan,  // only when the certificate has no DNS subjectAltName (AnyEvent's 1)
  kAlways,         // as well as the subjectAltName entries (AnyEvent's 2)
};

// The rules of one scheme.
struct PeerNameRules {
  Wildcards cn_wildcards = Wildcards::kNone;
  Wildcards alt_wildcards = Wildcards::kLeftmostLabel;
  CheckCn check_cn = CheckCn::kWithoutDnsSan;
};

// The rules of a scheme named in the table above (case-sensitive, as in AnyEvent); nullopt for
// "none" and for names that are not in the table (see is_peername_scheme()).
std::optional<PeerNameRules> peername_scheme(std::string_view name);
// True for every name in the table, "none" included.
bool is_peername_scheme(std::string_view name) noexcept;

// True when `cert` is for `peername` under `rules`.
bool verify_peername(const Certificate& cert, std::string_view peername,
                     const PeerNameRules& rules);

// True for an IPv4 or IPv6 address literal, with or without the brackets a URL puts around
// IPv6 ("[::1]"). Such a peer name is never sent with SNI (RFC 6066 §3) and matches only an
// IP-address subjectAltName.
bool is_ip_address(std::string_view name);

// AnyEvent::TLS::match_cn: does certificate name `pattern` (which may hold a wildcard of the
// given kind) match `name`?
bool match_name(std::string_view pattern, std::string_view name, Wildcards wildcards);

}  // namespace ae::tls
