#include "tls/context.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "tls/error.h"
#include "tls/internal/context_state.h"
#include "tls/internal/openssl_util.h"
#include "tls/internal/session.h"

namespace ae::tls {

// ---- PeerNameCheck
// -------------------------------------------------------------------------------

PeerNameCheck::PeerNameCheck(std::string_view scheme) {
  if (!is_peername_scheme(scheme)) {
    throw std::invalid_argument("ae::tls: unknown verify_peername scheme \"" + std::string(scheme) +
                                "\"");
  }
  rules_ = peername_scheme(scheme);
  description_ = std::string(scheme) + " rules";
}

void PeerNameCheck::use_subject_alt_name_only() {
  if (!rules_ || rules_->check_cn == CheckCn::kNever) return;
  rules_->check_cn = CheckCn::kNever;
  description_ += ", subjectAltName only: set verify_cn_fallback to accept the commonName";
}

bool PeerNameCheck::matches(const Certificate& cert, std::string_view peername) const {
  if (cb_) return cb_(cert, peername);
  if (rules_) return verify_peername(cert, peername, *rules_);
  return true;
}

}  // namespace ae::tls

namespace ae::tls_internal {

using tls::ContextOptions;
using tls::Error;

void ContextState::cache_session(const std::string& peername, std::uint16_t port,
                                 SSL_SESSION* session) {
  SessionPtr owned(session);
  std::lock_guard lock(mutex_);
  if (options.session_cache_size == 0) return;
  const auto key = std::make_pair(peername, port);
  auto it = sessions_.find(key);
  if (it == sessions_.end() && sessions_.size() >= options.session_cache_size) {
    auto oldest = sessions_.begin();
    for (auto i = sessions_.begin(); i != sessions_.end(); ++i) {
      if (i->second.stamp < oldest->second.stamp) oldest = i;
    }
    sessions_.erase(oldest);
  }
  Entry& e = sessions_[key];
  e.session = std::move(owned);
  e.stamp = ++clock_;
}

SSL_SESSION* ContextState::cached_session(const std::string& peername,
                                          std::uint16_t port) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::make_pair(peername, port));
  if (it == sessions_.end() || !SSL_SESSION_is_resumable(it->second.session.get())) return nullptr;
  SSL_SESSION_up_ref(it->second.session.get());
  return it->second.session.get();
}

void ContextState::ensure_trust() {
  if (!wants_system_trust) return;
  std::call_once(trust_once_, [this] {
    // Without it verification fails with "unable to get local issuer certificate", which says
    // enough; there is nobody to report a failure to here.
    SSL_CTX_set_default_verify_paths(ctx.get());
    ERR_clear_error();
  });
}

std::size_t ContextState::cached_sessions() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void ContextState::clear_sessions() {
  std::lock_guard lock(mutex_);
  sessions_.clear();
}

namespace {

int proto_version(tls::Version v) {
  switch (v) {
    case tls::Version::kTls1_0:
      return TLS1_VERSION;
    case tls::Version::kTls1_1:
      return TLS1_1_VERSION;
    case tls::Version::kTls1_2:
      return TLS1_2_VERSION;
    case tls::Version::kTls1_3:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

ae::Error config_error(Error e, const std::string& what) {
  std::string why = take_errors();
  return {tls::make_error_code(e), what + (why.empty() ? "" : ": " + why)};
}

// A file the process cannot read is reported with its errno, before OpenSSL gets to it.
std::optional<ae::Error> check_readable(const std::string& option, const std::string& path,
                                        bool directory = false) {
  if (::access(path.c_str(), directory ? (R_OK | X_OK) : R_OK) == 0) return std::nullopt;
  int e = errno;
  return ae::Error{std::error_code(e, std::generic_category()),
                   option + " " + path + ": " + std::strerror(e)};
}

// The passphrase source PEM reading asks (pem_password_cb's userdata).
struct Password {
  const ContextOptions* options;
  std::exception_ptr exception;
};

int password_callback(char* buf, int size, int, void* userdata) {
  auto* p = static_cast<Password*>(userdata);
  std::string pw;
  try {
    pw = p->options->cert_password_cb ? p->options->cert_password_cb() : p->options->cert_password;
  } catch (...) {
    p->exception = std::current_exception();
    return -1;
  }
  if (pw.size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, pw.data(), pw.size());
  return static_cast<int>(pw.size());
}

std::optional<ae::Error> load_certificate(SSL_CTX* ctx, const ContextOptions& o) {
  if (!o.cert_file.empty()) {
    if (auto e = check_readable("cert_file", o.cert_file)) return e;
    if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) != 1) {
      return config_error(Error::kCertificateInvalid, "cert_file " + o.cert_file);
    }
  } else if (!o.cert.empty()) {
    BioPtr bio = memory_bio(o.cert);
    X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
    if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
      return config_error(Error::kCertificateInvalid, "cert: not a usable PEM certificate");
    }
    SSL_CTX_clear_chain_certs(ctx);
    while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
        X509_free(extra);
        return config_error(Error::kCertificateInvalid, "cert: a chain certificate");
      }
    }
    ERR_clear_error();  // the end of the PEM text
  } else {
    return std::nullopt;
  }

  Password password{&o, nullptr};
  PkeyPtr key;
  std::string source;
  if (!o.key_file.empty() || (o.key.empty() && !o.cert_file.empty())) {
    const std::string& file = o.key_file.empty() ? o.cert_file : o.key_file;
    source = "key_file " + file;
    if (auto e = check_readable("key_file", file)) return e;
    BioPtr bio(BIO_new_file(file.c_str(), "r"));
    if (bio) key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, password_callback, &password));
  } else {
    source = o.key.empty() ? "cert (as the key)" : "key";
    BioPtr bio = memory_bio(o.key.empty() ? o.cert : o.key);
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, password_callback, &password));
  }
  if (password.exception) std::rethrow_exception(password.exception);
  if (!key) {
    return config_error(Error::kCertificateInvalid,
                        source + ": cannot read the private key (missing, or a wrong passphrase)");
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return config_error(Error::kCertificateInvalid,
                        source + ": the private key does not match the certificate");
  }
  return std::nullopt;
}

// The environment's CA locations (AnyEvent: PERL_ANYEVENT_CA_FILE / _PATH, aliased from AE_*;
// PERL_ANYEVENT_x wins when set at all). Ignored in setuid programs (secure_getenv).
std::string env_value(const char* suffix) {
  for (const char* prefix : {"PERL_ANYEVENT_", "AE_"}) {
    std::string name = std::string(prefix) + suffix;
    if (const char* v = ::secure_getenv(name.c_str())) return v;
  }
  return {};
}

std::optional<ae::Error> load_trust(SSL_CTX* ctx, const ContextOptions& o) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  if (o.ca_file.empty() && o.ca_path.empty() && o.ca_cert.empty()) {
    std::string file = env_value("CA_FILE");
    std::string path = env_value("CA_PATH");
    if (file.empty() && path.empty()) {
      return std::nullopt;  // the system's store, loaded on first use (ensure_trust)
    } else {
      if (!file.empty()) {
        if (auto e = check_readable("$AE_CA_FILE", file)) return e;
      }
      if (!path.empty()) {
        if (auto e = check_readable("$AE_CA_PATH", path, true)) return e;
      }
      if (SSL_CTX_load_verify_locations(ctx, file.empty() ? nullptr : file.c_str(),
                                        path.empty() ? nullptr : path.c_str()) != 1) {
        return config_error(Error::kCertificateInvalid, "$AE_CA_FILE / $AE_CA_PATH");
      }
    }
  }
  if (!o.ca_file.empty()) {
    if (auto e = check_readable("ca_file", o.ca_file)) return e;
    if (SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1) {
      return config_error(Error::kCertificateInvalid, "ca_file " + o.ca_file);
    }
  }
  if (!o.ca_path.empty()) {
    if (auto e = check_readable("ca_path", o.ca_path, true)) return e;
    if (SSL_CTX_load_verify_locations(ctx, nullptr, o.ca_path.c_str()) != 1) {
      return config_error(Error::kCertificateInvalid, "ca_path " + o.ca_path);
    }
  }
  if (!o.ca_cert.empty()) {
    BioPtr bio = memory_bio(o.ca_cert);
    STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr);
    int added = 0;
    for (int i = 0; infos != nullptr && i < sk_X509_INFO_num(infos); ++i) {
      X509_INFO* info = sk_X509_INFO_value(infos, i);
      if (info->x509 != nullptr && X509_STORE_add_cert(store, info->x509) == 1) ++added;
      if (info->crl != nullptr && X509_STORE_add_crl(store, info->crl) == 1) ++added;
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    if (added == 0) return config_error(Error::kCertificateInvalid, "ca_cert: no PEM certificate");
    ERR_clear_error();
  }
  if (o.check_crl) X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  // The CAs a server names when it asks for a client certificate.
  if (o.verify.value_or(false) && !o.ca_file.empty()) {
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx, names);
    }
    ERR_clear_error();
  }
  return std::nullopt;
}

std::optional<ae::Error> load_dh(SSL_CTX* ctx, const ContextOptions& o) {
  PkeyPtr params;
  if (!o.dh_file.empty()) {
    if (auto e = check_readable("dh_file", o.dh_file)) return e;
    BioPtr bio(BIO_new_file(o.dh_file.c_str(), "r"));
    params.reset(bio ? PEM_read_bio_Parameters(bio.get(), nullptr) : nullptr);
    if (!params) return config_error(Error::kCertificateInvalid, "dh_file " + o.dh_file);
  } else if (o.dh.empty()) {
    return std::nullopt;
  } else if (o.dh.starts_with("ffdhe")) {
    std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>> pctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    std::string group = o.dh;
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
                      OSSL_PARAM_construct_end()};
    EVP_PKEY* raw = nullptr;
    if (!pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
        EVP_PKEY_fromdata(pctx.get(), &raw, EVP_PKEY_KEY_PARAMETERS, p) != 1) {
      return config_error(Error::kCertificateInvalid,
                          "dh: unknown parameter set \"" + o.dh +
                              "\" (known: ffdhe2048, ffdhe3072, ffdhe4096, ffdhe6144, ffdhe8192)");
    }
    params.reset(raw);
  } else if (o.dh.find("-----BEGIN") != std::string::npos) {
    BioPtr bio = memory_bio(o.dh);
    params.reset(PEM_read_bio_Parameters(bio.get(), nullptr));
    if (!params) return config_error(Error::kCertificateInvalid, "dh: PEM parameters");
  } else {
    return ae::Error{std::make_error_code(std::errc::invalid_argument),
                     "dh: unknown parameter set \"" + o.dh +
                         "\" (known: ffdhe2048, ffdhe3072, ffdhe4096, ffdhe6144, ffdhe8192, PEM "
                         "text, or \"\" for none)"};
  }
  if (SSL_CTX_set0_tmp_dh_pkey(ctx, params.get()) != 1) {
    return config_error(Error::kCertificateInvalid, "dh: OpenSSL refused the parameters");
  }
  params.release();  // set0: the context owns them now
  return std::nullopt;
}

// ALPN, accept role: the first of our protocols that the client offers. No overlap: no ALPN at
// all (NOACK), or RFC 7301's fatal no_application_protocol alert when the Context requires it.
int alpn_select(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void* arg) {
  auto* state = static_cast<ContextState*>(arg);
  for (const std::string& ours : state->options.alpn) {
    for (unsigned int i = 0; i < inlen;) {
      unsigned int len = in[i];
      if (i + 1 + len > inlen) break;
      if (len == ours.size() && std::memcmp(in + i + 1, ours.data(), len) == 0) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(len);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + len;
    }
  }
  return state->options.alpn_required ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_NOACK;
}

// SNI, accept role: record the name and let server_name_cb switch the context.
int server_name(SSL* ssl, int* alert, void* arg) {
  auto* state = static_cast<ContextState*>(arg);
  Session* s = Session::of(ssl);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (s == nullptr || name == nullptr) return SSL_TLSEXT_ERR_OK;
  s->server_name = name;
  if (!state->options.server_name_cb) return SSL_TLSEXT_ERR_OK;
  try {
    std::optional<tls::Context> chosen = state->options.server_name_cb(s->server_name);
    if (chosen && *chosen && chosen->state().get() != state) {
      if (SSL_set_SSL_CTX(ssl, chosen->native()) == nullptr) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
      }
      s->sni_ctx = chosen->state();
    }
  } catch (...) {
    if (!s->callback_exception) s->callback_exception = std::current_exception();
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

// Connect role: keep each new session for the next connection to the same peer name and port.
int new_session(SSL* ssl, SSL_SESSION* session) {
  Session* s = Session::of(ssl);
  if (s == nullptr || s->role != tls::Role::kConnect || s->peername.empty()) return 0;
  s->ctx->cache_session(s->peername, s->port, session);
  return 1;  // the cache holds the reference OpenSSL passed
}

}  // namespace
}  // namespace ae::tls_internal

namespace ae::tls {

using tls_internal::ContextState;

Result<Context> Context::create(ContextOptions o) {
  if (!o.cert.empty() && !o.cert_file.empty()) {
    throw std::invalid_argument("ae::tls::Context: give cert or cert_file, not both");
  }
  if (!o.key.empty() && !o.key_file.empty()) {
    throw std::invalid_argument("ae::tls::Context: give key or key_file, not both");
  }
  if ((!o.key.empty() || !o.key_file.empty()) && o.cert.empty() && o.cert_file.empty()) {
    throw std::invalid_argument("ae::tls::Context: a key needs a certificate (cert or cert_file)");
  }
  if (o.min_version > o.max_version) {
    throw std::invalid_argument("ae::tls::Context: min_version is above max_version");
  }
  for (const std::string& p : o.alpn) {
    if (p.empty() || p.size() > 255) {
      throw std::invalid_argument("ae::tls::Context: an ALPN protocol name is 1 to 255 bytes");
    }
  }

  ERR_clear_error();
  auto state = std::make_shared<ContextState>();
  state->ctx.reset(SSL_CTX_new(TLS_method()));
  SSL_CTX* ctx = state->ctx.get();
  if (ctx == nullptr) return tls_internal::config_error(Error::kInternal, "SSL_CTX_new");

  SSL_CTX_set_min_proto_version(ctx, tls_internal::proto_version(o.min_version));
  SSL_CTX_set_max_proto_version(ctx, tls_internal::proto_version(o.max_version));
  // Renegotiation is refused both ways (the message callback reports attempts); memory BIOs make
  // partial writes and moving buffers irrelevant, and read-ahead would swallow the plain bytes
  // that follow a close_notify (stoptls).
  SSL_CTX_set_options(ctx, SSL_OP_ALL | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  if (o.allow_unexpected_eof) SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_read_ahead(ctx, 0);
  SSL_CTX_set_msg_callback(ctx, tls_internal::message_callback);

  if (!o.cipher_list.empty() && SSL_CTX_set_cipher_list(ctx, o.cipher_list.c_str()) != 1) {
    return tls_internal::config_error(Error::kInternal, "cipher_list \"" + o.cipher_list + "\"");
  }
  if (!o.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, o.ciphersuites.c_str()) != 1) {
    return tls_internal::config_error(Error::kInternal, "ciphersuites \"" + o.ciphersuites + "\"");
  }
  if (!o.groups.empty() && SSL_CTX_set1_groups_list(ctx, o.groups.c_str()) != 1) {
    return tls_internal::config_error(Error::kInternal, "groups \"" + o.groups + "\"");
  }
  if (auto e = tls_internal::load_dh(ctx, o)) return *e;
  if (auto e = tls_internal::load_certificate(ctx, o)) return *e;
  if (o.verify.value_or(true)) {
    if (auto e = tls_internal::load_trust(ctx, o)) return *e;
    state->wants_system_trust = o.ca_file.empty() && o.ca_path.empty() && o.ca_cert.empty() &&
                                tls_internal::env_value("CA_FILE").empty() &&
                                tls_internal::env_value("CA_PATH").empty();
  }

  if (o.session_cache) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_BOTH);
    SSL_CTX_sess_set_cache_size(ctx, static_cast<long>(o.session_cache_size));
    SSL_CTX_sess_set_new_cb(ctx, tls_internal::new_session);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  static const unsigned char kSessionContext[] = "ae.tls";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);

  for (const std::string& p : o.alpn) {
    state->alpn_wire += static_cast<char>(p.size());
    state->alpn_wire += p;
  }
  if (!state->alpn_wire.empty()) {
    // (SSL_CTX_set_alpn_protos returns 0 on success.)
    if (SSL_CTX_set_alpn_protos(ctx,
                                reinterpret_cast<const unsigned char*>(state->alpn_wire.data()),
                                static_cast<unsigned int>(state->alpn_wire.size())) != 0) {
      return tls_internal::config_error(Error::kInternal, "alpn");
    }
    SSL_CTX_set_alpn_select_cb(ctx, tls_internal::alpn_select, state.get());
  }
  SSL_CTX_set_tlsext_servername_callback(ctx, tls_internal::server_name);
  SSL_CTX_set_tlsext_servername_arg(ctx, state.get());

  if (!o.verify_cn_fallback) o.verify_peername.use_subject_alt_name_only();

  if (o.prepare) o.prepare(ctx);
  state->options = std::move(o);
  ERR_clear_error();
  return Context(std::move(state));
}

ssl_ctx_st* Context::native() const noexcept { return state_ ? state_->ctx.get() : nullptr; }

std::size_t Context::cached_sessions() const { return state_ ? state_->cached_sessions() : 0; }

void Context::clear_session_cache() {
  if (state_) state_->clear_sessions();
}

Context default_context() {
  static std::once_flag once;
  static Context context;
  std::call_once(once, [] {
    Result<Context> made = Context::create();
    if (!made) throw std::system_error(made.code(), "ae::tls::default_context: " + made.message());
    context = std::move(*made);
  });
  return context;
}

}  // namespace ae::tls
