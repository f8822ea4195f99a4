#include "tls/internal/session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>

namespace ae::tls_internal {
namespace {

using tls::Error;

// Alerts that say the peer did not accept our certificate.
bool certificate_alert(int alert) {
  switch (alert) {
    case SSL_AD_BAD_CERTIFICATE:
    case SSL_AD_UNSUPPORTED_CERTIFICATE:
    case SSL_AD_CERTIFICATE_REVOKED:
    case SSL_AD_CERTIFICATE_EXPIRED:
    case SSL_AD_CERTIFICATE_UNKNOWN:
    case SSL_AD_UNKNOWN_CA:
      return true;
    default:
      return false;
  }
}

// An alert's name; OpenSSL 3.0's table lacks the TLS 1.3 ones.
std::string alert_name(int alert) {
  switch (alert) {
    case 109:
      return "missing extension";
    case 115:
      return "unknown PSK identity";
    case 116:
      return "certificate required";
    case 120:
      return "no application protocol";
    default:
      return SSL_alert_desc_string_long(alert);
  }
}

// The alert number behind an "…alert …" reason code, or -1.
int alert_of(int reason) {
  if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
    return reason - SSL_AD_REASON_OFFSET;
  }
  return -1;
}

}  // namespace

int Session::index() noexcept {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

Session* Session::of(const SSL* ssl) noexcept {
  return static_cast<Session*>(SSL_get_ex_data(ssl, index()));
}

void Session::fail(Error e, std::string why) {
  if (error) return;
  error = tls::make_error_code(e);
  message = std::move(why);
}

void Session::fail_from_openssl(int ssl_error) {
  if (error) return;
  const int reason = peek_reason();
  std::string detail = take_errors();
  if (!established && verify_error != 0 &&
      (reason == SSL_R_CERTIFICATE_VERIFY_FAILED || reason == 0)) {
    std::string m = "certificate verify failed: " + verify_detail;
    if (!verify_subject.empty()) {
      m += " (depth " + std::to_string(verify_depth) + ": " + verify_subject + ")";
    }
    fail(verify_reason, std::move(m));
    return;
  }
  if (ssl_error == SSL_ERROR_SYSCALL && reason == 0) {
    // Memory BIOs make no system calls: OpenSSL saw an end it did not expect.
    fail(Error::kUnexpectedEof,
         established ? "the connection ended inside a TLS record" : "EOF during handshake");
    return;
  }
  const std::string context = established ? "TLS error: " : "TLS handshake failed: ";
  if (int alert = alert_of(reason); alert >= 0) {
    std::string m = "the peer sent a fatal alert: " + alert_name(alert);
    if (certificate_alert(alert)) m += " (the peer rejected our certificate)";
    if (alert == SSL_AD_CERTIFICATE_REQUIRED) m += " (the peer requires a client certificate)";
    if (alert == SSL_AD_NO_RENEGOTIATION) m += " (the peer refused to renegotiate)";
    Error e = alert == SSL_AD_PROTOCOL_VERSION          ? Error::kProtocolVersion
              : alert == SSL_AD_NO_APPLICATION_PROTOCOL ? Error::kNoApplicationProtocol
                                                        : Error::kPeerAlert;
    fail(e, m);
    return;
  }
  Error e = established ? Error::kBadRecord : Error::kHandshakeFailed;
  std::string prefix = context;
  switch (reason) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_UNEXPECTED_MESSAGE:
    case SSL_R_UNEXPECTED_RECORD:
      if (!established) {
        e = Error::kNotTls;
        prefix = "the peer does not speak TLS: ";
      }
      break;
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
      e = Error::kProtocolVersion;
      break;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_CIPHERS_AVAILABLE:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
      e = Error::kNoSharedCipher;
      break;
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      e = Error::kNoPeerCertificate;
      break;
    case SSL_R_NO_APPLICATION_PROTOCOL:
      e = Error::kNoApplicationProtocol;
      break;
    case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC:
    case SSL_R_DECRYPTION_FAILED:
    case SSL_R_BAD_RECORD_TYPE:
    case SSL_R_BAD_LENGTH:
    case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
    case SSL_R_DATA_LENGTH_TOO_LONG:
      e = Error::kBadRecord;
      break;
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
      e = Error::kUnexpectedEof;
      break;
    case SSL_R_NO_RENEGOTIATION:
      e = Error::kRenegotiation;
      break;
    default:
      break;
  }
  if (detail.empty()) detail = "SSL error " + std::to_string(ssl_error);
  fail(e, prefix + detail);
}

void Session::rethrow_callback_exception() {
  if (callback_exception) std::rethrow_exception(std::exchange(callback_exception, nullptr));
}

}  // namespace ae::tls_internal
