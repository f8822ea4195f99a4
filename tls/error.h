// ae::tls::Error: why a TLS session failed (std::error_category "ae.tls").
//
// A Handle with a TLS filter reports these through on_starttls (a failed handshake, when that
// callback is set) or on_error (fatal), together with a message that names the detail: which
// certificate, which name, which alert. Every value is equivalent to std::errc::protocol_error
// (AnyEvent's EPROTO for TLS failures), so `ec == std::errc::protocol_error` holds for all of them
// while `ec == ae::tls::Error::kCertificateExpired` tells the reason apart.
//
// Example:
//   h.on_starttls([](ae::Handle& h, bool ok, std::error_code ec, std::string_view why) {
//     if (!ok && ec == ae::tls::Error::kNameMismatch) std::cerr << "wrong host: " << why << "\n";
//   });
#pragma once

#include <system_error>

namespace ae::tls {

enum class Error {
  kHandshakeFailed = 1,     // the handshake failed for a reason not listed below
  kCertificateExpired,      // a certificate in the peer's chain has expired
  kCertificateNotYetValid,  // a certificate in the peer's chain is not valid yet
  kUnknownCa,               // the peer's chain does not lead to a trusted CA (or is self-signed)
  kNameMismatch,            // the peer's certificate is not for the peer name
  kCertificateRevoked,      // a certificate in the peer's chain is revoked (check_crl)
  kCertificateRejected,     // verify_cb or a verify_peername callback rejected the certificate
  kCertificateInvalid,      // another verification failure (bad signature, purpose, CRL missing)
  kNoPeerCertificate,       // the peer sent no certificate where one is required
  kPeerAlert,              // the peer ended the session with a fatal alert (the message says which)
  kProtocolVersion,        // no protocol version both sides accept
  kNoSharedCipher,         // no cipher suite or group both sides accept
  kNoApplicationProtocol,  // ALPN: no application protocol both sides accept
  kNotTls,                 // the peer's bytes are not TLS (plain text, HTTP, garbage)
  kBadRecord,              // a record was malformed or failed to decrypt
  kUnexpectedEof,          // the connection ended without close_notify (during the handshake,
                           // inside a record, or with data possibly truncated)
  kRenegotiation,          // the peer tried to renegotiate, which ae refuses
  kNoPeerName,             // a client has no peer name to check the certificate against
  kInternal,               // OpenSSL failed internally (memory, a bad context)
};

const std::error_category& tls_category() noexcept;
std::error_code make_error_code(Error e) noexcept;

}  // namespace ae::tls

template <>
struct std::is_error_code_enum<ae::tls::Error> : std::true_type {};
