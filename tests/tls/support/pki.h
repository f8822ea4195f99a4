// A small test PKI made with the OpenSSL API: a CA, a second CA nobody trusts, and certificates
// for every verification case (good, expired, not yet valid, wrong name, untrusted, client, two
// SNI names, an encrypted key), written as PEM files into a directory.
#pragma once

#include <string>
#include <vector>

namespace ae::testing {

// One certificate and its key, as PEM text and as files.
struct Issued {
  std::string cert_pem;
  std::string key_pem;
  std::string cert_file;
  std::string key_file;
};

// What a certificate says.
struct CertSpec {
  std::string cn{};
  std::vector<std::string> dns{};
  std::vector<std::string> ips{};
  long valid_from = -3600;  // seconds from now
  long valid_until = 86400 * 30;
  bool ca = false;
  bool client = false;  // extendedKeyUsage clientAuth (else serverAuth)
  bool rsa = false;     // an RSA 2048 key instead of EC P-256
};

class Pki {
 public:
  // Makes everything under `dir` (created if missing).
  explicit Pki(std::string dir);

  // Issues a certificate signed by `issuer` (self-signed when null), with an EC P-256 key.
  Issued issue(const std::string& name, const CertSpec& spec, const Issued* issuer);
  // A CRL from `issuer` (PEM) that revokes `revoked`.
  std::string crl(const Issued& issuer, const std::vector<const Issued*>& revoked) const;

  std::string dir;
  Issued ca;             // "ae test CA"
  Issued other_ca;       // a CA the tests never trust
  Issued server;         // localhost, 127.0.0.1, ::1
  Issued expired;        // the same names, expired yesterday
  Issued not_yet_valid;  // the same names, valid from tomorrow
  Issued wrong_name;     // wrong.example only
  Issued untrusted;      // localhost, signed by other_ca
  Issued self_signed;    // localhost, self-signed
  Issued client;         // a client certificate from ca
  Issued sni_a;          // a.test
  Issued sni_b;          // b.test
  Issued wildcard;       // *.wild.test
  Issued rsa_server;     // localhost with an RSA key (for the DHE cipher suites of TLS 1.2)
  std::string encrypted_key_file;  // server's key encrypted with "secret"
  std::string combined_file;       // server's certificate, chain (ca) and key in one PEM file
};

// The test PKI in $TEST_TMPDIR/pki, made on first use.
const Pki& pki();

}  // namespace ae::testing
