// ae::tls::Certificate: a read-only view of an X.509 certificate (the peer's, or one a verify
// callback is looking at), holding a reference to OpenSSL's X509 object.
//
// Example:
//   if (auto* tls = ae::tls::Filter::of(h.filter())) {
//     ae::tls::Certificate peer = tls->peer_certificate();
//     std::cout << peer.subject() << " until " << peer.not_after() << "\n";
//   }
//
// Thread safety: a Certificate may be copied and read from any thread (OpenSSL counts the
// references atomically).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct x509_st;

namespace ae::tls {

class Certificate {
 public:
  // An empty certificate (operator bool is false; the accessors return empty values).
  Certificate() noexcept = default;
  // Takes a new reference to `cert` (null: empty).
  explicit Certificate(x509_st* cert) noexcept;
  Certificate(const Certificate& other) noexcept;
  Certificate& operator=(const Certificate& other) noexcept;
  Certificate(Certificate&& other) noexcept;
  Certificate& operator=(Certificate&& other) noexcept;
  ~Certificate();

  // Parses the first certificate in PEM text.
  // Errors: ae::tls::Error::kCertificateInvalid with OpenSSL's reason.
  static Result<Certificate> from_pem(std::string_view pem);

  explicit operator bool() const noexcept { return cert_ != nullptr; }

  // The subject and issuer in RFC 2253 form ("CN=localhost,O=Example").
  std::string subject() const;
  std::string issuer() const;
  // AnyEvent::TLS::certname: "issuer / subject" in one line, for messages.
  std::string certname() const;
  // The last commonName of the subject ("" if none).
  std::string common_name() const;
  // The subjectAltName entries of type DNS, and of type IP address in text form.
  std::vector<std::string> dns_names() const;
  std::vector<std::string> ip_addresses() const;
  // The validity period in seconds since the epoch.
  std::int64_t not_before() const;
  std::int64_t not_after() const;
  // The serial number in hex, and the SHA-256 fingerprint as "AB:CD:...".
  std::string serial() const;
  std::string sha256_fingerprint() const;
  // The certificate in PEM form.
  std::string pem() const;

  // OpenSSL's X509 object (valid while this Certificate holds it).
  x509_st* native() const noexcept { return cert_; }

 private:
  x509_st* cert_ = nullptr;
};

}  // namespace ae::tls
