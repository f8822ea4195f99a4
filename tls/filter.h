// ae::tls::Filter: a TLS session as an ae::StreamFilter (OpenSSL with memory BIOs), and the
// factories that give a Handle its TLS (AnyEvent::Handle's tls => "connect" / "accept").
//
// The filter does no I/O: a Handle feeds it the bytes it read and writes what it produces, so TLS
// runs on every core backend and can start on a stream that already carries plain text
// (starttls, tls_autostart), on bytes already in the read buffer.
//
// Example (client, server, STARTTLS, one port for TLS and plain text):
//   ae::Handle c("example.org", "443", {.tls = ae::tls::connect()});   // verifies example.org
//   ae::Handle s(fd, {.tls = ae::tls::accept(server_ctx)});
//   h.starttls(std::make_unique<ae::tls::Filter>(ctx, ae::tls::Role::kConnect, "mail.example"));
//   h.unshift_read(ae::tls_autostart(ae::tls::accept(server_ctx)));
//   // ... once the handshake is done:
//   if (auto* tls = ae::tls::Filter::of(h.filter())) std::cout << tls->version() << "\n";
//
// Behaviour in a Handle: the handshake's outcome goes to on_starttls ("TLS/SSL connection
// established", or the failure) or, for a failure without on_starttls, to on_error as a fatal
// error with an ae::tls::Error code (all equal to std::errc::protocol_error) and a message that
// says why. A close_notify from the peer ends the session cleanly (on_stoptls, or end-of-file);
// the connection ending without one is Error::kUnexpectedEof (unless the Context allows it, or
// our own close_notify was already sent). Renegotiation is refused: an attempt by the peer fails
// the session with Error::kRenegotiation.
//
// Thread safety: a Filter is used on one thread (its Handle's loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

// No handle/ header on purpose: ConnectFactory and AcceptFactory are templates over the Handle
// type, so //tls needs only //core (the dependency table in README.md). Where one becomes an
// ae::FilterFactory (a Handle::Options{.tls = ...}), the caller includes handle/handle.h.
#include "core/buffer.h"
#include "core/stream_filter.h"
#include "tls/certificate.h"
#include "tls/context.h"

struct ssl_st;

namespace ae::tls_internal {
struct Session;
}

namespace ae::tls {

class Filter final : public StreamFilter {
 public:
  // A session in `role` made from `ctx`. `peername` is the name the peer's certificate is
  // checked against and, in the connect role, sent with SNI (unless it is an address); "" for
  // none (see ContextOptions::verify_peername for what that means). `port`, the server's port in
  // the connect role, keys the client session cache with the peer name: a session from
  // host:443 is never offered to host:8443 (0: unknown, only sessions cached without a port).
  // Errors: std::invalid_argument for an empty Context; std::system_error (Error::kInternal)
  // when OpenSSL cannot make the session (out of memory).
  Filter(const Context& ctx, Role role, std::string peername = {}, std::uint16_t port = 0);
  ~Filter() override;
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;

  // The TLS filter behind a Handle's filter(), or null when it is not one (or there is none).
  static Filter* of(StreamFilter* filter) noexcept { return dynamic_cast<Filter*>(filter); }

  // ---- ae::StreamFilter ------------------------------------------------------------------------
  std::string_view name() const noexcept override { return "tls"; }
  void start() override;
  void receive(std::string_view transport_bytes) override;
  void receive_eof() override;
  void send(std::string_view application_bytes) override;
  void shutdown() override;
  // Decrypts what has arrived (records are decoded here, so a Handle calls it after receive()).
  std::size_t read(Buffer& out) override;
  std::size_t take_output(Buffer& out) override;
  bool established() const noexcept override;
  bool peer_closed() const noexcept override;
  bool shutdown_sent() const noexcept override;
  std::error_code error() const noexcept override;
  std::string error_message() const override;
  std::size_t pending_send() const noexcept override;
  std::string take_unfiltered() override;

  // ---- The session -----------------------------------------------------------------------------
  Role role() const noexcept;
  const std::string& peername() const noexcept;
  // The negotiated protocol ("TLSv1.3") and cipher suite ("TLS_AES_128_GCM_SHA256"); "" before
  // the handshake.
  std::string version() const;
  std::string cipher() const;
  // The application protocol ALPN chose ("" for none).
  std::string alpn() const;
  // The SNI name: the one sent (connect role) or received (accept role); "" for none.
  const std::string& server_name() const noexcept;
  // True when the handshake resumed a cached session.
  bool session_reused() const noexcept;
  // The peer's certificate (empty if it sent none).
  Certificate peer_certificate() const;
  // OpenSSL's SSL object.
  ssl_st* native() const noexcept;

 private:
  void advance();  // drives the handshake
  void write_all(std::string_view bytes);
  void flush_pending();
  void close_now();
  void finish_eof();
  void after_openssl();

  std::unique_ptr<tls_internal::Session> s_;
};

// A FilterFactory for the connect role: the filter for Handle `h` checks h.peername() (the host
// a Handle connects to, unless peername is set) or `peername` when given here, and keys its
// session cache by that name and h.peer()'s port.
class ConnectFactory {
 public:
  explicit ConnectFactory(Context ctx, std::string peername = {})
      : ctx_(std::move(ctx)), peername_(std::move(peername)) {}
  template <class H>
  std::unique_ptr<StreamFilter> operator()(H& h) const {
    return std::make_unique<Filter>(ctx_, Role::kConnect,
                                    peername_.empty() ? std::string(h.peername()) : peername_,
                                    h.peer().port());
  }

 private:
  Context ctx_;
  std::string peername_;
};

// A FilterFactory for the accept role (the peer name is the Handle's, normally none).
class AcceptFactory {
 public:
  explicit AcceptFactory(Context ctx) : ctx_(std::move(ctx)) {}
  template <class H>
  std::unique_ptr<StreamFilter> operator()(H& h) const {
    return std::make_unique<Filter>(ctx_, Role::kAccept, std::string(h.peername()));
  }

 private:
  Context ctx_;
};

// AnyEvent::Handle's tls => "connect": Handle::Options{.tls = ae::tls::connect(ctx)}.
// Without a Context, default_context() (verifying against the system's CA store).
inline ConnectFactory connect(Context ctx = default_context(), std::string peername = {}) {
  return ConnectFactory(std::move(ctx), std::move(peername));
}
// AnyEvent::Handle's tls => "accept"; also for tls_autostart.
inline AcceptFactory accept(Context ctx) { return AcceptFactory(std::move(ctx)); }

}  // namespace ae::tls
