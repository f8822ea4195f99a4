// ae::tls::Context's options: certificates and keys in every form, passphrases, trust stores
// (files, directories, PEM text, the environment), CRLs, DH, cipher and group lists, sessions,
// and the errors each one gives when it cannot be used.
#include "tls/context.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/tls/support/contexts.h"
#include "tests/tls/support/pki.h"
#include "tests/tls/support/wire.h"
#include "tls/error.h"
#include "tls/filter.h"

namespace ae::testing {
namespace {

using tls::Context;
using tls::ContextOptions;
using tls::Error;
using tls::Filter;
using tls::Role;

std::string tmp(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// Handshakes a client against a server in memory; returns the client (established or failed),
// and the server through `server_out`.
std::unique_ptr<Filter> handshake(const Context& client, const Context& server,
                                  std::string peername = "localhost",
                                  std::unique_ptr<Filter>* server_out = nullptr) {
  Wire w(client, server, std::move(peername));
  w.pump();
  if (server_out != nullptr) *server_out = std::move(w.server_filter);
  return std::move(w.client_filter);
}

// ---- certificates and keys ---------------------------------------------------------------------

TEST(ContextTest, CertificateAndKeyLoadFromFilesTextOrOneCombinedFile) {
  const Issued& s = pki().server;
  std::vector<ContextOptions> forms;
  forms.push_back({.cert_file = s.cert_file, .key_file = s.key_file});
  forms.push_back({.cert = s.cert_pem, .key = s.key_pem});
  forms.push_back({.cert = s.cert_pem + s.key_pem});
  forms.push_back({.cert_file = pki().combined_file});
  for (ContextOptions& o : forms) {
    Result<Context> ctx = Context::create(std::move(o));
    ASSERT_TRUE(ctx) << ctx.message();
    EXPECT_TRUE(handshake(client_context(), *ctx)->established());
  }
}

TEST(ContextTest, AChainAfterTheCertificateIsSentToo) {
  // The client trusts only the CA; the server's chain file holds the certificate and the CA.
  Result<Context> ctx = Context::create(
      {.cert = pki().server.cert_pem + pki().ca.cert_pem, .key = pki().server.key_pem});
  ASSERT_TRUE(ctx) << ctx.message();
  std::unique_ptr<Filter> server;
  auto client = handshake(client_context(), *ctx, "localhost", &server);
  ASSERT_TRUE(client->established()) << client->error_message();
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(client->native());
  EXPECT_EQ(sk_X509_num(chain), 2);
}

TEST(ContextTest, AnEncryptedKeyNeedsItsPassphrase) {
  const std::string cert = pki().server.cert_file;
  const std::string key = pki().encrypted_key_file;
  EXPECT_TRUE(Context::create({.cert_file = cert, .key_file = key, .cert_password = "secret"}));
  int asked = 0;
  ContextOptions with_cb{.cert_file = cert, .key_file = key};
  with_cb.cert_password_cb = [&] {
    ++asked;
    return std::string("secret");
  };
  EXPECT_TRUE(Context::create(std::move(with_cb)));
  EXPECT_EQ(asked, 1);

  Result<Context> wrong =
      Context::create({.cert_file = cert, .key_file = key, .cert_password = "guess"});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.code(), Error::kCertificateInvalid);
  EXPECT_NE(wrong.message().find("passphrase"), std::string::npos) << wrong.message();
  EXPECT_NE(wrong.message().find(key), std::string::npos) << wrong.message();
  EXPECT_FALSE(Context::create({.cert_file = cert, .key_file = key}));
}

TEST(ContextTest, APassphraseCallbackExceptionPropagates) {
  ContextOptions o{.cert_file = pki().server.cert_file, .key_file = pki().encrypted_key_file};
  o.cert_password_cb = []() -> std::string { throw std::runtime_error("no terminal"); };
  EXPECT_THROW((void)Context::create(std::move(o)), std::runtime_error);
}

TEST(ContextTest, AMissingFileGivesItsErrnoAndName) {
  Result<Context> r = Context::create({.cert_file = "/nonexistent/cert.pem"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), std::errc::no_such_file_or_directory);
  EXPECT_NE(r.message().find("cert_file /nonexistent/cert.pem"), std::string::npos);
  Result<Context> ca = Context::create({.ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(ca);
  EXPECT_EQ(ca.code(), std::errc::no_such_file_or_directory);
  EXPECT_NE(ca.message().find("ca_file"), std::string::npos);
}

TEST(ContextTest, AKeyThatDoesNotMatchTheCertificateIsRefused) {
  Result<Context> r =
      Context::create({.cert_file = pki().server.cert_file, .key_file = pki().client.key_file});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Error::kCertificateInvalid);
  EXPECT_NE(r.message().find("does not match"), std::string::npos) << r.message();
}

TEST(ContextTest, AFileThatIsNotPemIsRefused) {
  write_file(tmp("junk.pem"), "this is not PEM\n");
  Result<Context> r = Context::create({.cert_file = tmp("junk.pem")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Error::kCertificateInvalid);
  Result<Context> ca = Context::create({.ca_cert = "junk"});
  ASSERT_FALSE(ca);
  EXPECT_EQ(ca.code(), Error::kCertificateInvalid);
}

TEST(ContextTest, ContradictoryOptionsAreProgrammerErrors) {
  const Issued& s = pki().server;
  EXPECT_THROW((void)Context::create({.cert_file = s.cert_file, .cert = s.cert_pem}),
               std::invalid_argument);
  EXPECT_THROW(
      (void)Context::create({.cert = s.cert_pem, .key_file = s.key_file, .key = s.key_pem}),
      std::invalid_argument);
  EXPECT_THROW((void)Context::create({.key_file = s.key_file}), std::invalid_argument);
  EXPECT_THROW((void)Context::create(
                   {.min_version = tls::Version::kTls1_3, .max_version = tls::Version::kTls1_2}),
               std::invalid_argument);
  EXPECT_THROW((void)Context::create({.alpn = {""}}), std::invalid_argument);
}

// ---- ciphers, groups, DH -----------------------------------------------------------------------

TEST(ContextTest, ListsOpensslRejectsAreErrorsThatNameTheOption) {
  Result<Context> c = Context::create({.cipher_list = "NO-SUCH-CIPHER"});
  ASSERT_FALSE(c);
  EXPECT_NE(c.message().find("cipher_list"), std::string::npos) << c.message();
  Result<Context> s = Context::create({.ciphersuites = "TLS_NO_SUCH"});
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("ciphersuites"), std::string::npos) << s.message();
  Result<Context> g = Context::create({.groups = "no-such-curve"});
  ASSERT_FALSE(g);
  EXPECT_NE(g.message().find("groups"), std::string::npos) << g.message();
}

TEST(ContextTest, TheChosenCipherSuiteAndGroupAreUsed) {
  Context server = make_context({.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256",
                                 .groups = "P-384",
                                 .cert_file = pki().server.cert_file,
                                 .key_file = pki().server.key_file});
  auto c = handshake(client_context(), server);
  ASSERT_TRUE(c->established()) << c->error_message();
  EXPECT_EQ(c->cipher(), "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(SSL_get_negotiated_group(c->native()), NID_secp384r1);
}

TEST(ContextTest, NoCommonCipherFailsClearly) {
  Context server = make_context({.max_version = tls::Version::kTls1_2,
                                 .cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256",
                                 .cert_file = pki().server.cert_file,
                                 .key_file = pki().server.key_file});
  Context client = make_context({.max_version = tls::Version::kTls1_2,
                                 .cipher_list = "ECDHE-ECDSA-CHACHA20-POLY1305",
                                 .ca_file = pki().ca.cert_file});
  std::unique_ptr<Filter> s;
  auto c = handshake(client, server, "localhost", &s);
  EXPECT_EQ(s->error(), Error::kNoSharedCipher) << s->error_message();
  EXPECT_EQ(c->error(), Error::kPeerAlert) << c->error_message();
}

TEST(ContextTest, NoCommonVersionFailsClearly) {
  Context server = make_context({.min_version = tls::Version::kTls1_3,
                                 .cert_file = pki().server.cert_file,
                                 .key_file = pki().server.key_file});
  Context client =
      make_context({.max_version = tls::Version::kTls1_2, .ca_file = pki().ca.cert_file});
  std::unique_ptr<Filter> s;
  auto c = handshake(client, server, "localhost", &s);
  EXPECT_EQ(s->error(), Error::kProtocolVersion) << s->error_message();
  EXPECT_EQ(c->error(), Error::kProtocolVersion) << c->error_message();
}

Context dhe_client() {
  return make_context({.max_version = tls::Version::kTls1_2,
                       .cipher_list = "DHE-RSA-AES128-GCM-SHA256",
                       .ca_file = pki().ca.cert_file});
}

TEST(ContextTest, DheUsesTheNamedGroupByDefault) {
  Context server = make_context(
      {.cert_file = pki().rsa_server.cert_file, .key_file = pki().rsa_server.key_file});
  auto c = handshake(dhe_client(), server);
  ASSERT_TRUE(c->established()) << c->error_message();
  EXPECT_EQ(c->cipher(), "DHE-RSA-AES128-GCM-SHA256");
  EVP_PKEY* key = nullptr;
  ASSERT_EQ(SSL_get_peer_tmp_key(c->native(), &key), 1);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 3072) << "ffdhe3072, as AnyEvent";
  EVP_PKEY_free(key);
}

TEST(ContextTest, DhParametersComeFromANameAFileOrNowhere) {
  const Issued& rsa = pki().rsa_server;
  Context named =
      make_context({.dh = "ffdhe2048", .cert_file = rsa.cert_file, .key_file = rsa.key_file});
  EXPECT_TRUE(handshake(dhe_client(), named)->established());

  // A PEM file of ffdhe4096's parameters.
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  char group[] = "ffdhe4096";
  OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string("group", group, 0),
                    OSSL_PARAM_construct_end()};
  EVP_PKEY* params = nullptr;
  EVP_PKEY_fromdata_init(pctx);
  ASSERT_EQ(EVP_PKEY_fromdata(pctx, &params, EVP_PKEY_KEY_PARAMETERS, p), 1);
  BIO* out = BIO_new_file(tmp("dh.pem").c_str(), "w");
  PEM_write_bio_Parameters(out, params);
  BIO_free(out);
  EVP_PKEY_free(params);
  EVP_PKEY_CTX_free(pctx);
  Context from_file = make_context(
      {.dh_file = tmp("dh.pem"), .cert_file = rsa.cert_file, .key_file = rsa.key_file});
  auto c = handshake(dhe_client(), from_file);
  ASSERT_TRUE(c->established()) << c->error_message();
  EVP_PKEY* key = nullptr;
  SSL_get_peer_tmp_key(c->native(), &key);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 4096);
  EVP_PKEY_free(key);

  Context none = make_context({.dh = "", .cert_file = rsa.cert_file, .key_file = rsa.key_file});
  std::unique_ptr<Filter> s;
  auto failed = handshake(dhe_client(), none, "localhost", &s);
  EXPECT_EQ(s->error(), Error::kNoSharedCipher) << s->error_message();

  Result<Context> unknown = Context::create({.dh = "skip2048"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.code(), std::errc::invalid_argument);
  EXPECT_NE(unknown.message().find("ffdhe3072"), std::string::npos) << unknown.message();
}

// ---- trust -------------------------------------------------------------------------------------

// An OpenSSL hashed CA directory (as `openssl rehash` makes) holding the test CA.
std::string hashed_ca_dir() {
  std::string dir = tmp("capath");
  ::mkdir(dir.c_str(), 0700);
  BIO* bio = BIO_new_mem_buf(pki().ca.cert_pem.data(), -1);
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  char name[32];
  std::snprintf(name, sizeof name, "/%08lx.0", X509_subject_name_hash(ca));
  X509_free(ca);
  BIO_free(bio);
  write_file(dir + name, pki().ca.cert_pem);
  return dir;
}

TEST(ContextTest, TrustComesFromPemTextOrAHashedDirectory) {
  Context server = server_context();
  EXPECT_TRUE(handshake(make_context({.ca_cert = pki().ca.cert_pem}), server)->established());
  auto c = handshake(make_context({.ca_path = hashed_ca_dir()}), server);
  EXPECT_TRUE(c->established()) << c->error_message();
}

// Sets an environment variable for one test.
struct ScopedEnv {
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  const char* name_;
  std::optional<std::string> old_;
};

TEST(ContextTest, TheEnvironmentGivesTheDefaultTrust) {
  {
    ScopedEnv env("AE_CA_FILE", pki().ca.cert_file);
    auto c = handshake(make_context({}), server_context());
    EXPECT_TRUE(c->established()) << c->error_message();
  }
  {
    ScopedEnv env("AE_CA_PATH", hashed_ca_dir());
    auto c = handshake(make_context({}), server_context());
    EXPECT_TRUE(c->established()) << c->error_message();
  }
  {
    ScopedEnv env("AE_CA_FILE", "/nonexistent/ca.pem");
    Result<Context> r = Context::create({});
    ASSERT_FALSE(r);
    EXPECT_NE(r.message().find("$AE_CA_FILE"), std::string::npos) << r.message();
  }
  {
    ScopedEnv ae("AE_CA_FILE", pki().other_ca.cert_file);
    ScopedEnv perl("PERL_ANYEVENT_CA_FILE", pki().ca.cert_file);
    auto c = handshake(make_context({}), server_context());
    EXPECT_TRUE(c->established()) << "PERL_ANYEVENT_CA_FILE wins, as in AnyEvent";
  }
}

TEST(ContextTest, WithoutAnyCaTheSystemStoreIsUsedAndItDoesNotKnowOurs) {
  auto c = handshake(tls::default_context(), server_context());
  EXPECT_EQ(c->error(), Error::kUnknownCa) << c->error_message();
  EXPECT_TRUE(tls::default_context());
  EXPECT_EQ(tls::default_context().native(), tls::default_context().native());
}

TEST(ContextTest, CheckCrlRejectsARevokedCertificateAndAMissingCrl) {
  Context server = server_context();
  auto none = handshake(make_context({.ca_file = pki().ca.cert_file, .check_crl = true}), server);
  EXPECT_EQ(none->error(), Error::kCertificateInvalid) << none->error_message();
  EXPECT_NE(none->error_message().find("CRL"), std::string::npos) << none->error_message();

  std::string clean = pki().ca.cert_pem + pki().crl(pki().ca, {&pki().client});
  auto ok = handshake(make_context({.ca_cert = clean, .check_crl = true}), server);
  EXPECT_TRUE(ok->established()) << ok->error_message();

  std::string revoking = pki().ca.cert_pem + pki().crl(pki().ca, {&pki().server});
  auto revoked = handshake(make_context({.ca_cert = revoking, .check_crl = true}), server);
  EXPECT_EQ(revoked->error(), Error::kCertificateRevoked) << revoked->error_message();
}

// ---- sessions, and the last-chance hook ------------------------------------------------------

TEST(ContextTest, TheSessionCacheCanBeTurnedOff) {
  Context client = make_context({.ca_file = pki().ca.cert_file, .session_cache = false});
  Context server = server_context();
  handshake(client, server);
  EXPECT_EQ(client.cached_sessions(), 0u);
  EXPECT_FALSE(handshake(client, server)->session_reused());
}

TEST(ContextTest, Tls12ResumesWithASessionTicketWhenTheClientAsksForIt) {
  Context client = make_context({.max_version = tls::Version::kTls1_2,
                                 .ca_file = pki().ca.cert_file,
                                 .session_ticket = true});
  Context server = server_context();
  handshake(client, server);
  auto second = handshake(client, server);
  ASSERT_TRUE(second->established());
  EXPECT_TRUE(second->session_reused());
  EXPECT_TRUE(SSL_SESSION_has_ticket(SSL_get_session(second->native())));
}

TEST(ContextTest, PrepareSeesTheOpensslContext) {
  ssl_ctx_st* seen = nullptr;
  ContextOptions o;
  o.prepare = [&](ssl_ctx_st* ctx) {
    seen = ctx;
    SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
  };
  Context c = make_context(std::move(o));
  EXPECT_EQ(seen, c.native());
  EXPECT_NE(SSL_CTX_get_options(c.native()) & SSL_OP_NO_TLSv1_3, 0u);
}

}  // namespace
}  // namespace ae::testing
