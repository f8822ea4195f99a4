// Session: the state of one TLS connection behind an ae::tls::Filter, reachable from OpenSSL's
// callbacks through the SSL object's ex_data. Private to //tls.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <system_error>

#include "tls/context.h"
#include "tls/error.h"
#include "tls/internal/context_state.h"
#include "tls/internal/openssl_util.h"

namespace ae::tls_internal {

struct Session {
  std::shared_ptr<ContextState> ctx;
  std::shared_ptr<ContextState> sni_ctx;  // the Context server_name_cb chose, kept alive
  SslPtr ssl;
  BIO* rbio = nullptr;  // owned by ssl: bytes from the peer
  BIO* wbio = nullptr;  // owned by ssl: bytes for the peer
  tls::Role role = tls::Role::kConnect;
  std::string peername;
  std::uint16_t port = 0;  // the server's, in the connect role (0: unknown)
  bool peername_is_ip = false;
  std::string server_name;  // SNI sent (connect) or received (accept)

  std::string pending;  // application bytes waiting for the handshake
  bool started = false;
  bool established = false;
  bool peer_closed = false;
  bool shutdown_requested = false;
  bool shutdown_sent = false;
  bool eof = false;
  bool renegotiating = false;

  std::error_code error;
  std::string message;

  // What verification found first (for the message): OpenSSL's X509_V_ERR_*, the depth and the
  // certificate it was about; set by the verify callback.
  int verify_error = 0;
  int verify_depth = 0;
  std::string verify_subject;
  std::string verify_detail;  // our own explanation (name mismatch, no peer name, verify_cb)
  tls::Error verify_reason = tls::Error::kCertificateInvalid;

  // An exception a user callback threw inside OpenSSL, rethrown once OpenSSL returned.
  std::exception_ptr callback_exception;

  // The Session of an SSL object (set by the Filter), and the ex_data index it lives at.
  static Session* of(const SSL* ssl) noexcept;
  static int index() noexcept;

  void fail(tls::Error e, std::string why);
  // Turns a failed SSL call (its return value and SSL_get_error) into error/message.
  void fail_from_openssl(int ssl_error);
  void rethrow_callback_exception();
};

// The callbacks installed on every SSL_CTX and SSL (verify.cc, context.cc).
int verify_callback(int preverify_ok, X509_STORE_CTX* store);
void message_callback(int write_p, int version, int content_type, const void* buf, std::size_t len,
                      SSL* ssl, void* arg);

}  // namespace ae::tls_internal
