#include "tests/tls/support/pki.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace ae::testing {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  check(f.good(), "write a PEM file");
}

PkeyPtr read_key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

X509Ptr read_cert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

Issued Pki::issue(const std::string& name, const CertSpec& spec, const Issued* issuer) {
  PkeyPtr key(spec.rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  check(key != nullptr, "EC key");
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  static long serial = 1000;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.valid_from);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.valid_until);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("ae tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1, -1, 0);

  X509Ptr issuer_cert;
  PkeyPtr issuer_key;
  if (issuer != nullptr) {
    issuer_cert = read_cert(issuer->cert_pem);
    issuer_key = read_key(issuer->key_pem);
    check(issuer_cert && issuer_key, "issuer");
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert.get()));
  } else {
    X509_set_issuer_name(cert.get(), subject);
  }
  X509* signer = issuer_cert ? issuer_cert.get() : cert.get();
  if (spec.ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(cert.get(), signer, NID_ext_key_usage, spec.client ? "clientAuth" : "serverAuth");
  }
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid");
  std::string san;
  for (const std::string& d : spec.dns) san += (san.empty() ? "" : ",") + ("DNS:" + d);
  for (const std::string& ip : spec.ips) san += (san.empty() ? "" : ",") + ("IP:" + ip);
  if (!san.empty()) add_ext(cert.get(), signer, NID_subject_alt_name, san);
  check(X509_sign(cert.get(), issuer_key ? issuer_key.get() : key.get(), EVP_sha256()) > 0, "sign");

  Issued out;
  BioPtr cbio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(cbio.get(), cert.get());
  out.cert_pem = bio_text(cbio.get());
  BioPtr kbio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_text(kbio.get());
  out.cert_file = dir + "/" + name + ".pem";
  out.key_file = dir + "/" + name + ".key";
  write_file(out.cert_file, out.cert_pem);
  write_file(out.key_file, out.key_pem);
  return out;
}

Pki::Pki(std::string d) : dir(std::move(d)) {
  ::mkdir(dir.c_str(), 0700);
  const std::vector<std::string> local_dns = {"localhost"};
  const std::vector<std::string> local_ips = {"127.0.0.1", "::1"};
  ca = issue("ca", {.cn = "ae test CA", .ca = true}, nullptr);
  other_ca = issue("other_ca", {.cn = "ae other CA", .ca = true}, nullptr);
  server = issue("server", {.cn = "localhost", .dns = local_dns, .ips = local_ips}, &ca);
  expired = issue("expired",
                  {.cn = "localhost",
                   .dns = local_dns,
                   .ips = local_ips,
                   .valid_from = -86400 * 10,
                   .valid_until = -86400},
                  &ca);
  not_yet_valid = issue("not_yet_valid",
                        {.cn = "localhost",
                         .dns = local_dns,
                         .ips = local_ips,
                         .valid_from = 86400,
                         .valid_until = 86400 * 10},
                        &ca);
  wrong_name = issue("wrong_name", {.cn = "wrong.example", .dns = {"wrong.example"}}, &ca);
  untrusted =
      issue("untrusted", {.cn = "localhost", .dns = local_dns, .ips = local_ips}, &other_ca);
  self_signed =
      issue("self_signed", {.cn = "localhost", .dns = local_dns, .ips = local_ips}, nullptr);
  client = issue("client", {.cn = "ae test client", .client = true}, &ca);
  sni_a = issue("sni_a", {.cn = "a.test", .dns = {"a.test"}}, &ca);
  sni_b = issue("sni_b", {.cn = "b.test", .dns = {"b.test"}}, &ca);
  wildcard = issue("wildcard", {.cn = "wild", .dns = {"*.wild.test"}}, &ca);
  rsa_server = issue("rsa_server",
                     {.cn = "localhost", .dns = local_dns, .ips = local_ips, .rsa = true}, &ca);

  PkeyPtr key = read_key(server.key_pem);
  BioPtr ebio(BIO_new(BIO_s_mem()));
  const std::string pass = "secret";
  PEM_write_bio_PrivateKey(ebio.get(), key.get(), EVP_aes_128_cbc(), nullptr, 0, nullptr,
                           const_cast<char*>(pass.c_str()));
  encrypted_key_file = dir + "/server-encrypted.key";
  write_file(encrypted_key_file, bio_text(ebio.get()));
  combined_file = dir + "/server-combined.pem";
  write_file(combined_file, server.cert_pem + ca.cert_pem + server.key_pem);
}

std::string Pki::crl(const Issued& issuer, const std::vector<const Issued*>& revoked) const {
  X509Ptr issuer_cert = read_cert(issuer.cert_pem);
  PkeyPtr issuer_key = read_key(issuer.key_pem);
  std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>> crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer_cert.get()));
  std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>> now(X509_gmtime_adj(nullptr, -60));
  std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>> next(X509_gmtime_adj(nullptr, 86400));
  X509_CRL_set1_lastUpdate(crl.get(), now.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (const Issued* r : revoked) {
    X509Ptr cert = read_cert(r->cert_pem);
    X509_REVOKED* entry = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(entry, X509_get_serialNumber(cert.get()));
    X509_REVOKED_set_revocationDate(entry, now.get());
    X509_CRL_add0_revoked(crl.get(), entry);
  }
  X509_CRL_sort(crl.get());
  check(X509_CRL_sign(crl.get(), issuer_key.get(), EVP_sha256()) > 0, "sign the CRL");
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(bio.get(), crl.get());
  return bio_text(bio.get());
}

const Pki& pki() {
  static const Pki made([] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    return std::string(tmp != nullptr ? tmp : "/tmp") + "/pki";
  }());
  return made;
}

}  // namespace ae::testing
