#include "tls/filter.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

#include "tls/error.h"
#include "tls/internal/context_state.h"
#include "tls/internal/openssl_util.h"
#include "tls/internal/session.h"
#include "tls/peername.h"

namespace ae::tls {
namespace {

using tls_internal::Session;

// The largest record payload: decrypting into this much room never leaves a record half-read.
constexpr std::size_t kReadChunk = 16 * 1024;

}  // namespace

Filter::Filter(const Context& ctx, Role role, std::string peername, std::uint16_t port)
    : s_(std::make_unique<Session>()) {
  if (!ctx) throw std::invalid_argument("ae::tls::Filter: empty Context");
  Session& s = *s_;
  s.ctx = ctx.state();
  s.role = role;
  s.peername = std::move(peername);
  s.port = port;
  s.peername_is_ip = is_ip_address(s.peername);
  ERR_clear_error();
  s.ssl.reset(SSL_new(ctx.native()));
  s.rbio = BIO_new(BIO_s_mem());
  s.wbio = BIO_new(BIO_s_mem());
  if (!s.ssl || s.rbio == nullptr || s.wbio == nullptr) {
    BIO_free(s.rbio);
    BIO_free(s.wbio);
    throw std::system_error(make_error_code(Error::kInternal),
                            "ae::tls::Filter: " + tls_internal::take_errors());
  }
  // An empty memory BIO asks OpenSSL to retry (want read), never reports an end of its own:
  // the transport's end-of-file comes through receive_eof().
  BIO_set_mem_eof_return(s.rbio, -1);
  BIO_set_mem_eof_return(s.wbio, -1);
  SSL_set_bio(s.ssl.get(), s.rbio, s.wbio);
  SSL_set_ex_data(s.ssl.get(), Session::index(), &s);

  const ContextOptions& o = s.ctx->options;
  SSL* ssl = s.ssl.get();
  if (role == Role::kConnect) {
    SSL_set_connect_state(ssl);
    if (!o.verify.value_or(true)) {
      SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    } else {
      s.ctx->ensure_trust();
      SSL_set_verify(ssl, SSL_VERIFY_PEER, tls_internal::verify_callback);
    }
    if (o.sni && !s.peername.empty() && !s.peername_is_ip) {
      SSL_set_tlsext_host_name(ssl, s.peername.c_str());
      s.server_name = s.peername;
    }
    if (!o.session_ticket.value_or(false)) SSL_set_options(ssl, SSL_OP_NO_TICKET);
    if (o.session_cache && !s.peername.empty()) {
      if (SSL_SESSION* cached = s.ctx->cached_session(s.peername, s.port)) {
        SSL_set_session(ssl, cached);
        SSL_SESSION_free(cached);  // SSL_set_session took its own reference
      }
    }
  } else {
    SSL_set_accept_state(ssl);
    if (o.verify.value_or(false)) {
      int mode = SSL_VERIFY_PEER;
      if (o.verify_require_client_cert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      if (o.verify_client_once) mode |= SSL_VERIFY_CLIENT_ONCE;
      s.ctx->ensure_trust();
      SSL_set_verify(ssl, mode, tls_internal::verify_callback);
    } else {
      SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    }
    if (!o.session_ticket.value_or(true)) SSL_set_options(ssl, SSL_OP_NO_TICKET);
  }
  ERR_clear_error();
}

Filter::~Filter() {
  if (!s_ || !s_->ssl) return;
  SSL_set_ex_data(s_->ssl.get(), Session::index(), nullptr);
  // OpenSSL makes the session of a connection freed without close_notify unresumable (it might
  // have been cut short by an attacker). A session that saw no error was ended by our own
  // program (a Handle destroyed after its last response), so it stays in the cache.
  if (s_->established && !s_->error) {
    SSL_set_shutdown(s_->ssl.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
}

void Filter::after_openssl() { s_->rethrow_callback_exception(); }

void Filter::start() {
  if (s_->started) return;
  s_->started = true;
  advance();
}

void Filter::advance() {
  Session& s = *s_;
  if (!s.started || s.established || s.error) return;
  ERR_clear_error();
  const int r = SSL_do_handshake(s.ssl.get());
  if (r == 1) {
    s.established = true;
    flush_pending();
  } else {
    const int e = SSL_get_error(s.ssl.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (s.eof) {
        s.fail(Error::kUnexpectedEof, "EOF during handshake");
      }
    } else {
      s.fail_from_openssl(e);
    }
  }
  after_openssl();
}

void Filter::receive(std::string_view bytes) {
  Session& s = *s_;
  if (s.error || bytes.empty()) return;
  while (!bytes.empty()) {
    int n = static_cast<int>(std::min<std::size_t>(bytes.size(), INT_MAX));
    n = BIO_write(s.rbio, bytes.data(), n);
    if (n <= 0) {
      s.fail(Error::kInternal, "cannot buffer received bytes: " + tls_internal::take_errors());
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  advance();
}

void Filter::receive_eof() {
  s_->eof = true;
  advance();
}

void Filter::write_all(std::string_view bytes) {
  Session& s = *s_;
  while (!bytes.empty() && !s.error) {
    ERR_clear_error();
    int n = static_cast<int>(std::min<std::size_t>(bytes.size(), INT_MAX));
    n = SSL_write(s.ssl.get(), bytes.data(), n);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    const int e = SSL_get_error(s.ssl.get(), n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      s.pending.append(bytes);  // e.g. a peer's handshake message must be read first
      break;
    }
    s.fail_from_openssl(e);
  }
}

void Filter::flush_pending() {
  Session& s = *s_;
  if (!s.established || s.error || s.shutdown_sent || s.peer_closed) return;
  if (!s.pending.empty()) {
    std::string pending = std::move(s.pending);
    s.pending.clear();
    write_all(pending);
  }
  if (s.shutdown_requested && s.pending.empty()) close_now();
}

void Filter::send(std::string_view bytes) {
  Session& s = *s_;
  if (s.error || bytes.empty()) return;
  if (!s.established || s.shutdown_requested || !s.pending.empty()) {
    s.pending.append(bytes);  // after the handshake; never after our close_notify
    return;
  }
  write_all(bytes);
  after_openssl();
}

void Filter::close_now() {
  Session& s = *s_;
  if (s.shutdown_sent || s.error) return;
  ERR_clear_error();
  SSL_shutdown(s.ssl.get());  // queues close_notify in the write BIO; the answer comes via read()
  ERR_clear_error();
  s.shutdown_sent = true;
}

void Filter::shutdown() {
  Session& s = *s_;
  if (s.shutdown_requested) return;
  s.shutdown_requested = true;
  if (s.established && s.pending.empty()) close_now();
}

std::size_t Filter::read(Buffer& out) {
  Session& s = *s_;
  if (!s.established || s.error || s.peer_closed) return 0;
  std::size_t total = 0;
  for (;;) {
    std::span<char> room = out.prepare(kReadChunk);
    ERR_clear_error();
    const int n = SSL_read(s.ssl.get(), room.data(), static_cast<int>(room.size()));
    if (n > 0) {
      out.commit(static_cast<std::size_t>(n));
      total += static_cast<std::size_t>(n);
      continue;
    }
    const int e = SSL_get_error(s.ssl.get(), n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (s.renegotiating) {
        s.fail(Error::kRenegotiation, "the peer attempted TLS renegotiation, which ae refuses");
      } else if (s.eof) {
        finish_eof();
      }
      break;
    }
    if (e == SSL_ERROR_ZERO_RETURN) {
      s.peer_closed = true;  // close_notify: answer it, as TLS asks
      if (!s.shutdown_sent) {
        s.pending.clear();
        close_now();
      }
      break;
    }
    s.fail_from_openssl(e);
    break;
  }
  // Data a write could not encode before (the peer had to be heard first) goes out now.
  flush_pending();
  after_openssl();
  return total;
}

void Filter::finish_eof() {
  Session& s = *s_;
  // Bytes of a record that never completed are a truncation whatever the options say.
  if (BIO_ctrl_pending(s.rbio) > 0 || SSL_has_pending(s.ssl.get())) {
    s.fail(Error::kUnexpectedEof, "the connection ended inside a TLS record");
  } else if (s.shutdown_sent || s.ctx->options.allow_unexpected_eof) {
    s.peer_closed = true;  // we were closing anyway, or the Context accepts a bare end
  } else {
    s.fail(Error::kUnexpectedEof,
           "the connection ended without a TLS close_notify (the data may be truncated)");
  }
}

std::size_t Filter::take_output(Buffer& out) {
  Session& s = *s_;
  std::size_t total = 0;
  while (std::size_t n = BIO_ctrl_pending(s.wbio)) {
    n = std::min<std::size_t>(n, INT_MAX);
    std::span<char> room = out.prepare(n);
    int got = BIO_read(s.wbio, room.data(), static_cast<int>(n));
    if (got <= 0) break;
    out.commit(static_cast<std::size_t>(got));
    total += static_cast<std::size_t>(got);
  }
  return total;
}

bool Filter::established() const noexcept { return s_->established && !s_->error; }
bool Filter::peer_closed() const noexcept { return s_->peer_closed; }
bool Filter::shutdown_sent() const noexcept { return s_->shutdown_sent; }
std::error_code Filter::error() const noexcept { return s_->error; }
std::string Filter::error_message() const { return s_->message; }
std::size_t Filter::pending_send() const noexcept { return s_->pending.size(); }

std::string Filter::take_unfiltered() {
  Session& s = *s_;
  if (!s.peer_closed) return {};
  std::string rest;
  while (std::size_t n = BIO_ctrl_pending(s.rbio)) {
    std::size_t at = rest.size();
    rest.resize(at + n);
    int got =
        BIO_read(s.rbio, rest.data() + at, static_cast<int>(std::min<std::size_t>(n, INT_MAX)));
    rest.resize(at + static_cast<std::size_t>(std::max(got, 0)));
    if (got <= 0) break;
  }
  return rest;
}

Role Filter::role() const noexcept { return s_->role; }
const std::string& Filter::peername() const noexcept { return s_->peername; }

std::string Filter::version() const {
  return s_->established ? SSL_get_version(s_->ssl.get()) : "";
}

std::string Filter::cipher() const {
  if (!s_->established) return {};
  const char* name = SSL_get_cipher_name(s_->ssl.get());
  return name != nullptr ? name : "";
}

std::string Filter::alpn() const {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(s_->ssl.get(), &data, &len);
  return data != nullptr ? std::string(reinterpret_cast<const char*>(data), len) : "";
}

const std::string& Filter::server_name() const noexcept { return s_->server_name; }

bool Filter::session_reused() const noexcept { return SSL_session_reused(s_->ssl.get()) == 1; }

Certificate Filter::peer_certificate() const {
  X509* peer = SSL_get1_peer_certificate(s_->ssl.get());
  Certificate c(peer);
  X509_free(peer);
  return c;
}

ssl_st* Filter::native() const noexcept { return s_->ssl.get(); }

}  // namespace ae::tls
