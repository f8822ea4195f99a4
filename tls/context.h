// ae::tls::Context: the settings TLS sessions are made from (AnyEvent::TLS->new).
//
// A Context holds an OpenSSL SSL_CTX built from ContextOptions: protocol versions and ciphers,
// how the peer is verified, our certificate and key, SNI, ALPN, DH and ECDH groups, the session
// cache. Filters (tls/filter.h) are made from it, one per connection, in the connect (client) or
// accept (server) role; one Context serves any number of them, in both roles.
//
// Safer than AnyEvent by default: in the connect role the peer's chain is verified against the
// system's CA store (or ca_file / ca_path / ca_cert / $AE_CA_FILE / $AE_CA_PATH) and its name
// with the "https" rules (tls/peername.h), and SNI is sent; TLS 1.2 is the oldest version
// allowed. Turning any of that off is an explicit option (verify = false,
// verify_peername = "none", sni = false, min_version).
//
// Example (a server and a client):
//   ae::Result<ae::tls::Context> server = ae::tls::Context::create({
//       .cert_file = "server.pem", .key_file = "server.key", .alpn = {"http/1.1"}});
//   if (!server) return std::cerr << server.message() << "\n", 1;
//   ae::Result<ae::tls::Context> client = ae::tls::Context::create({.ca_file = "ca.pem"});
//   ae::Handle h("localhost", "443", {.tls = ae::tls::connect(*client)});
//
// Errors: create() returns the error when a file, key or setting cannot be used (the message
// names it and gives OpenSSL's reason). Options that contradict each other (cert and cert_file,
// min_version above max_version) are programmer errors: std::invalid_argument.
// Thread safety: a Context is immutable once made and may be shared by loops on any threads
// (its session cache is locked); its callbacks run on the thread whose handshake needs them.
// Lifetime: a Context is a cheap, copyable reference; filters keep what they use alive.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/function.h"
#include "core/result.h"
#include "tls/certificate.h"
#include "tls/peername.h"

struct ssl_ctx_st;
struct x509_store_ctx_st;

namespace ae::tls_internal {
struct ContextState;
}

namespace ae::tls {

// Protocol versions (AnyEvent's method / sslv3 / tlsv1 / tlsv1_1 / tlsv1_2 as a range).
enum class Version { kTls1_0, kTls1_1, kTls1_2, kTls1_3 };

// Which side of the handshake a session plays.
enum class Role {
  kConnect,  // the client
  kAccept,   // the server
};

// What a verify callback sees for each certificate of the peer's chain, from the root (highest
// depth) down to the peer's own (depth 0).
struct VerifyInfo {
  Role role = Role::kConnect;
  std::string_view peername;  // the session's peer name ("" if none)
  int depth = 0;              // 0: the peer's own certificate
  bool preverify_ok = false;  // the verdict of OpenSSL's checks and the peer-name check
  int error = 0;              // OpenSSL's X509_V_ERR_* code when !preverify_ok
  std::string_view error_string;
  Certificate certificate;
  x509_store_ctx_st* store = nullptr;  // OpenSSL's X509_STORE_CTX, for deeper inspection
};

// The callbacks below that run during a handshake (verify_cb, a PeerNameCallback,
// server_name_cb) run inside OpenSSL, inside the filter call that fed it the peer's bytes (for a
// Handle: while it reads). They must not destroy the Handle or its filter. An exception they
// throw fails the handshake and then comes out of that filter call (through the loop's run()).

// verify_cb: returns the verdict for one certificate, overriding all other checks (AnyEvent).
using VerifyCallback = Function<bool(const VerifyInfo& info)>;
// A custom peer-name check: true when `cert` belongs to `peername`.
using PeerNameCallback = Function<bool(const Certificate& cert, std::string_view peername)>;
// A certificate key's passphrase, asked for while the Context is made (inside create(); an
// exception it throws comes out of create()).
using PasswordCallback = Function<std::string()>;
// Last-chance access to the SSL_CTX before the Context is finished (AnyEvent's `prepare`).
using ContextPrepareCallback = Function<void(ssl_ctx_st* ctx)>;

// How the peer's certificate is matched to the peer name (AnyEvent's verify_peername): a scheme
// name from tls/peername.h ("https", "smtp", "ldap", ..., or "none"), explicit rules, or a
// callback. Applies to the peer's own certificate, after its chain verified.
// Errors: std::invalid_argument for a scheme name that is not in the table (unlike AnyEvent,
// which lets an unknown name pass every certificate).
class PeerNameCheck {
 public:
  PeerNameCheck(const char* scheme) : PeerNameCheck(std::string_view(scheme)) {}         // NOLINT
  PeerNameCheck(std::string_view scheme);                                                // NOLINT
  PeerNameCheck(const std::string& scheme) : PeerNameCheck(std::string_view(scheme)) {}  // NOLINT
  PeerNameCheck(PeerNameRules rules) : rules_(rules) {}                                  // NOLINT
  PeerNameCheck(PeerNameCallback cb) : cb_(std::move(cb)) {}                             // NOLINT

  // False for "none".
  bool enabled() const noexcept { return rules_.has_value() || static_cast<bool>(cb_); }
  // The check itself.
  bool matches(const Certificate& cert, std::string_view peername) const;
  // How the check is described in messages ("https rules", "a callback").
  const std::string& description() const noexcept { return description_; }
  // Makes the rules never look at the commonName (CheckCn::kNever); a callback stays as it is.
  // A Context does this unless ContextOptions::verify_cn_fallback is set.
  void use_subject_alt_name_only();

 private:
  std::optional<PeerNameRules> rules_;
  PeerNameCallback cb_;
  std::string description_ = "custom rules";
};

class Context;

// server_name_cb: picks the Context (certificate, key, settings) for the name a client sent with
// SNI; nullopt keeps the default. Runs during each handshake that carries a name.
using ServerNameCallback = Function<std::optional<Context>(std::string_view server_name)>;

// The options of AnyEvent::TLS->new, in C++ form. Every member has a default.
struct ContextOptions {
  // ---- Protocol ---------------------------------------------------------------------------------
  // The range of protocol versions (AnyEvent's method and per-version switches). TLS 1.0 and 1.1
  // also need an OpenSSL security level that allows them (cipher_list "DEFAULT:@SECLEVEL=0").
  Version min_version = Version::kTls1_2;
  Version max_version = Version::kTls1_3;
  // Cipher suites for TLS 1.2 and older (OpenSSL's cipher list syntax), and for TLS 1.3
  // (OpenSSL's ciphersuites syntax). Empty: OpenSSL's defaults. A list OpenSSL rejects is an
  // error.
  std::string cipher_list{};
  std::string ciphersuites{};
  // ECDH groups, most preferred first ("X25519:P-256"). Empty: OpenSSL's defaults.
  std::string groups{};
  // Finite-field DH parameters for the DHE cipher suites of TLS 1.2: a named RFC 7919 group
  // ("ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"), PEM text, or "" for
  // no DHE. dh_file (a PEM file) wins when set. As in AnyEvent, ffdhe3072 is the default; every
  // key exchange uses a fresh key (AnyEvent's dh_single_use, always on in OpenSSL 3).
  std::string dh = "ffdhe3072";
  std::string dh_file{};

  // ---- Verification -----------------------------------------------------------------------------
  // Verify the peer's certificate. nullopt (the default): yes in the connect role, no in the
  // accept role. true in the accept role asks every client for a certificate and verifies the one
  // it sends; false in the connect role accepts any server (explicitly insecure).
  std::optional<bool> verify{};
  // Accept role with verification: fail the handshake when the client sends no certificate, and
  // ask for it only in the first handshake of a session (AnyEvent's options of the same names).
  bool verify_require_client_cert = false;
  bool verify_client_once = false;
  // The peer-name check (see PeerNameCheck). In the connect role a verifying session without a
  // peer name fails (Error::kNoPeerName) unless this is "none"; in the accept role it applies
  // only when the session was given a peer name.
  PeerNameCheck verify_peername = "https";
  // Let the subject's commonName stand for the peer name where the scheme's rules say so
  // (check_cn in tls/peername.h). Off by default: only subjectAltName entries count, as in
  // RFC 6125 §6.4.4 and today's browsers and curl, so a certificate without a subjectAltName
  // matches no name. AnyEvent always looked at the CN; this is the opt-in for old certificates.
  // It changes scheme rules only, not a PeerNameCallback.
  bool verify_cn_fallback = false;
  // Called for every certificate of the chain while verifying; its answer is final.
  VerifyCallback verify_cb{};
  // Trusted CAs: a PEM file, an OpenSSL hashed directory, PEM text. When none is given:
  // $AE_CA_FILE / $AE_CA_PATH (or PERL_ANYEVENT_CA_FILE / _PATH), else the system's store.
  std::string ca_file{};
  std::string ca_path{};
  std::string ca_cert{};
  // Check certificate revocation lists (from ca_file / ca_path / ca_cert); a missing CRL then
  // fails verification, as in AnyEvent.
  bool check_crl = false;

  // ---- Our certificate --------------------------------------------------------------------------
  // The certificate (with its chain after it) from a PEM file or PEM text, and its private key;
  // the key defaults to the certificate's file or text (a combined PEM). Giving both forms of
  // either is a programmer error.
  std::string cert_file{};
  std::string cert{};
  std::string key_file{};
  std::string key{};
  // The key's passphrase, as text or asked for by a callback (the callback wins).
  std::string cert_password{};
  PasswordCallback cert_password_cb{};

  // ---- Names and application protocols ----
  // Connect role: send the peer name with SNI (not for IP addresses, as RFC 6066 says).
  bool sni = true;
  // Accept role: choose the Context for the name the client sent.
  ServerNameCallback server_name_cb{};
  // ALPN protocols ("h2", "http/1.1"), most preferred first. Connect role: offered. Accept role:
  // the first of ours the client offers is chosen. Empty: no ALPN.
  std::vector<std::string> alpn{};
  // Accept role: what happens when a client offers ALPN but none of ours (curl --http1.0 offers
  // only "http/1.0"). By default the handshake goes on without ALPN (alpn() is ""), as common
  // servers do, and the application decides from what the client then sends. true: the
  // handshake fails with Error::kNoApplicationProtocol (RFC 7301's no_application_protocol
  // alert), for a server whose protocol cannot be told apart any other way.
  bool alpn_required = false;

  // ---- Sessions ----
  // Resume sessions: the connect role caches the last session per peer name and port in this
  // Context and offers it to that name and port only (a session from host:443 is not one of
  // host:8443); the accept role keeps OpenSSL's server-side cache.
  bool session_cache = true;
  // Sessions each role keeps at most.
  std::size_t session_cache_size = 1024;
  // Session tickets (RFC 5077, TLS 1.2): AnyEvent's default, off in the connect role and on in
  // the accept role, when nullopt.
  std::optional<bool> session_ticket{};

  // ---- Closing ----------------------------------------------------------------------------------
  // Treat a connection that ends without close_notify as a clean end
  // (SSL_OP_IGNORE_UNEXPECTED_EOF). Off by default: that end is then Error::kUnexpectedEof, since
  // the data may be truncated.
  bool allow_unexpected_eof = false;

  // ---- Anything else ----------------------------------------------------------------------------
  ContextPrepareCallback prepare{};
};

class Context {
 public:
  // An empty Context (operator bool is false); filters cannot be made from it.
  Context() noexcept = default;

  // Builds a Context. Files are read here, once.
  // Errors: std::errc::no_such_file_or_directory or permission_denied for a file that cannot be
  // read; Error::kCertificateInvalid for a certificate, key, CA, CRL or DH text OpenSSL cannot
  // use (a wrong passphrase, a key that does not match the certificate); Error::kInternal for a
  // cipher list or group list OpenSSL rejects. The message names the option.
  // Programmer errors (std::invalid_argument): cert with cert_file, key with key_file, a key
  // without a certificate, min_version above max_version.
  static Result<Context> create(ContextOptions options = {});

  explicit operator bool() const noexcept { return state_ != nullptr; }

  // The OpenSSL context (for what the options do not cover; change it only before the first
  // filter is made).
  ssl_ctx_st* native() const noexcept;

  // The number of client sessions cached for resumption, and emptying that cache.
  std::size_t cached_sessions() const;
  void clear_session_cache();

  // For //tls itself.
  const std::shared_ptr<tls_internal::ContextState>& state() const noexcept { return state_; }

 private:
  explicit Context(std::shared_ptr<tls_internal::ContextState> state) noexcept
      : state_(std::move(state)) {}
  std::shared_ptr<tls_internal::ContextState> state_;
};

// The process-wide Context used when none is given (AnyEvent::Handle::TLS_CTX): default options,
// so it verifies servers against the system's CA store. Made on first use.
// Errors: std::system_error if it cannot be made (OpenSSL is out of memory).
Context default_context();

}  // namespace ae::tls
