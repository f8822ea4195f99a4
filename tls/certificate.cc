#include "tls/certificate.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <utility>

#include "tls/error.h"
#include "tls/internal/openssl_util.h"

namespace ae::tls {
namespace {

using tls_internal::BioPtr;

std::string name_text(const X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return tls_internal::bio_text(bio.get());
}

std::int64_t asn1_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  int len = ASN1_STRING_length(ip);
  const unsigned char* data = ASN1_STRING_get0_data(ip);
  if (len == 4) return inet_ntop(AF_INET, data, buf, sizeof buf) ? buf : "";
  if (len == 16) return inet_ntop(AF_INET6, data, buf, sizeof buf) ? buf : "";
  return {};
}

template <class F>
void for_each_alt_name(X509* cert, F&& f) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) f(sk_GENERAL_NAME_value(names, i));
  GENERAL_NAMES_free(names);
}

}  // namespace

Certificate::Certificate(x509_st* cert) noexcept : cert_(cert) {
  if (cert_ != nullptr) X509_up_ref(cert_);
}

Certificate::Certificate(const Certificate& other) noexcept : Certificate(other.cert_) {}

Certificate& Certificate::operator=(const Certificate& other) noexcept {
  if (this != &other) {
    if (other.cert_ != nullptr) X509_up_ref(other.cert_);
    X509_free(cert_);
    cert_ = other.cert_;
  }
  return *this;
}

Certificate::Certificate(Certificate&& other) noexcept
    : cert_(std::exchange(other.cert_, nullptr)) {}

Certificate& Certificate::operator=(Certificate&& other) noexcept {
  if (this != &other) {
    X509_free(cert_);
    cert_ = std::exchange(other.cert_, nullptr);
  }
  return *this;
}

Certificate::~Certificate() { X509_free(cert_); }

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  ERR_clear_error();
  BioPtr bio = tls_internal::memory_bio(pem);
  X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (x == nullptr) {
    std::string why = tls_internal::take_errors();
    return ae::Error{make_error_code(Error::kCertificateInvalid),
                     "cannot parse the PEM certificate: " + (why.empty() ? "no certificate" : why)};
  }
  Certificate c;
  c.cert_ = x;  // takes the reference PEM_read_bio_X509 gave us
  return c;
}

std::string Certificate::subject() const {
  return cert_ ? name_text(X509_get_subject_name(cert_)) : "";
}

std::string Certificate::issuer() const {
  return cert_ ? name_text(X509_get_issuer_name(cert_)) : "";
}

std::string Certificate::certname() const {
  if (!cert_) return {};
  return issuer() + " / " + subject();
}

std::string Certificate::common_name() const {
  if (!cert_) return {};
  X509_NAME* name = X509_get_subject_name(cert_);
  int last = -1;
  for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
    last = i;
  }
  if (last < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::vector<std::string> Certificate::dns_names() const {
  std::vector<std::string> out;
  if (!cert_) return out;
  for_each_alt_name(cert_, [&](const GENERAL_NAME* n) {
    if (n->type != GEN_DNS) return;
    const ASN1_IA5STRING* s = n->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
  });
  return out;
}

std::vector<std::string> Certificate::ip_addresses() const {
  std::vector<std::string> out;
  if (!cert_) return out;
  for_each_alt_name(cert_, [&](const GENERAL_NAME* n) {
    if (n->type == GEN_IPADD) out.push_back(ip_text(n->d.iPAddress));
  });
  return out;
}

std::int64_t Certificate::not_before() const {
  return cert_ ? asn1_time(X509_get0_notBefore(cert_)) : 0;
}

std::int64_t Certificate::not_after() const {
  return cert_ ? asn1_time(X509_get0_notAfter(cert_)) : 0;
}

std::string Certificate::serial() const {
  if (!cert_) return {};
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_), nullptr);
  if (bn == nullptr) return {};
  char* hex = BN_bn2hex(bn);
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string Certificate::sha256_fingerprint() const {
  if (!cert_) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert_, EVP_sha256(), md, &len) != 1) return {};
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i != 0) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string Certificate::pem() const {
  if (!cert_) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert_);
  return tls_internal::bio_text(bio.get());
}

}  // namespace ae::tls
