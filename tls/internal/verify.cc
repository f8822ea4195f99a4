// The verify callback: OpenSSL's chain verdict, then the peer-name check at depth 0, then the
// user's verify_cb, whose answer is final (AnyEvent::TLS's _get_session verify callback).
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <string>

#include "tls/internal/session.h"

namespace ae::tls_internal {
namespace {

std::string subject_of(X509* cert) {
  return cert != nullptr ? tls::Certificate(cert).subject() : std::string();
}

std::string names_of(const tls::Certificate& cert) {
  std::string names;
  auto add = [&](const std::string& n) {
    if (n.empty()) return;
    if (!names.empty()) names += ", ";
    names += n;
  };
  for (const std::string& n : cert.dns_names()) add(n);
  for (const std::string& n : cert.ip_addresses()) add(n);
  if (names.empty()) add("CN=" + cert.common_name());
  return names;
}

tls::Error reason_for(int x509_error) {
  switch (x509_error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return tls::Error::kCertificateExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return tls::Error::kCertificateNotYetValid;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return tls::Error::kUnknownCa;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return tls::Error::kNameMismatch;
    case X509_V_ERR_CERT_REVOKED:
      return tls::Error::kCertificateRevoked;
    case X509_V_ERR_APPLICATION_VERIFICATION:
      return tls::Error::kCertificateRejected;
    default:
      return tls::Error::kCertificateInvalid;
  }
}

void note(Session& s, int error, int depth, X509* cert, tls::Error reason, std::string detail) {
  if (s.verify_error != 0) return;  // the first failure is the one to report
  s.verify_error = error;
  s.verify_depth = depth;
  s.verify_subject = subject_of(cert);
  s.verify_reason = reason;
  s.verify_detail = std::move(detail);
}

}  // namespace

int verify_callback(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  Session* s = ssl != nullptr ? Session::of(ssl) : nullptr;
  if (s == nullptr) return preverify_ok;
  const tls::ContextOptions& o = s->ctx->options;
  const int depth = X509_STORE_CTX_get_error_depth(store);
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  bool ok = preverify_ok == 1;
  try {
    if (!ok) {
      int e = X509_STORE_CTX_get_error(store);
      tls::Error reason = reason_for(e);
      std::string detail = X509_verify_cert_error_string(e);
      if (reason == tls::Error::kUnknownCa) {
        detail = "the certificate is not signed by a trusted CA (" + detail + ")";
      }
      note(*s, e, depth, cert, reason, std::move(detail));
    }
    if (ok && depth == 0 && o.verify_peername.enabled()) {
      if (s->peername.empty()) {
        if (s->role == tls::Role::kConnect) {
          ok = false;
          X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
          note(*s, X509_V_ERR_APPLICATION_VERIFICATION, depth, cert, tls::Error::kNoPeerName,
               "no peer name to check the certificate against (give the session a peer name, "
               "or set verify_peername = \"none\")");
        }
      } else {
        tls::Certificate c(cert);
        if (!o.verify_peername.matches(c, s->peername)) {
          ok = false;
          int e = s->peername_is_ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH;
          X509_STORE_CTX_set_error(store, e);
          note(*s, e, depth, cert, tls::Error::kNameMismatch,
               "the certificate is for " + names_of(c) + ", not " + s->peername + " (" +
                   o.verify_peername.description() + ")");
        }
      }
    }
    if (o.verify_cb) {
      tls::VerifyInfo info;
      info.role = s->role;
      info.peername = s->peername;
      info.depth = depth;
      info.preverify_ok = ok;
      info.error = ok ? X509_V_OK : X509_STORE_CTX_get_error(store);
      info.error_string = ok ? "ok" : X509_verify_cert_error_string(info.error);
      info.certificate = tls::Certificate(cert);
      info.store = store;
      const bool verdict = o.verify_cb(info);
      if (verdict && !ok) {
        X509_STORE_CTX_set_error(store, X509_V_OK);
        s->verify_error = 0;  // overridden: nothing to report
        s->verify_detail.clear();
      } else if (!verdict && ok) {
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
        note(*s, X509_V_ERR_APPLICATION_VERIFICATION, depth, cert, tls::Error::kCertificateRejected,
             "rejected by verify_cb");
      }
      ok = verdict;
    }
  } catch (...) {
    // An exception must not unwind through OpenSSL: fail the handshake, rethrow it afterwards.
    if (!s->callback_exception) s->callback_exception = std::current_exception();
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    note(*s, X509_V_ERR_APPLICATION_VERIFICATION, depth, cert, tls::Error::kCertificateRejected,
         "a verify callback threw an exception");
    ok = false;
  }
  return ok ? 1 : 0;
}

void message_callback(int write_p, int, int content_type, const void* buf, std::size_t len,
                      SSL* ssl, void*) {
  // A handshake record arriving on an established TLS 1.2 (or older) session is a renegotiation
  // (a ClientHello, or a server's HelloRequest). OpenSSL refuses it with a warning and carries
  // on; the peer then usually gives up without saying why, so it is reported here. TLS 1.3 hides
  // record types, and has no renegotiation.
  if (write_p != 0 || content_type != SSL3_RT_HEADER || len < 1) return;
  if (static_cast<const unsigned char*>(buf)[0] != SSL3_RT_HANDSHAKE) return;
  Session* s = Session::of(ssl);
  if (s != nullptr && s->established && SSL_version(ssl) < TLS1_3_VERSION) s->renegotiating = true;
}

}  // namespace ae::tls_internal
