// ContextState: what an ae::tls::Context shares with the filters made from it. Private to //tls.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "tls/context.h"
#include "tls/internal/openssl_util.h"

namespace ae::tls_internal {

struct ContextState {
  SslCtxPtr ctx;
  tls::ContextOptions options;
  std::string alpn_wire;  // options.alpn in ALPN's length-prefixed wire format

  // The system's CA store is loaded when the first verifying session needs it (loading it costs
  // milliseconds, and a server that verifies no clients never needs it).
  bool wants_system_trust = false;
  void ensure_trust();

  // Stores `session` for `peername` at `port` (taking the reference), evicting the oldest entry
  // when full. A session belongs to one server: the same name on another port is another one.
  void cache_session(const std::string& peername, std::uint16_t port, SSL_SESSION* session);
  // A new reference to the cached session for `peername` at `port`, or null.
  SSL_SESSION* cached_session(const std::string& peername, std::uint16_t port) const;
  std::size_t cached_sessions() const;
  void clear_sessions();

 private:
  struct Entry {
    SessionPtr session;
    std::uint64_t stamp = 0;
  };
  // The connect role's session cache: the latest resumable session per peer name and port.
  std::once_flag trust_once_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::uint16_t>, Entry> sessions_;
  std::uint64_t clock_ = 0;
};

}  // namespace ae::tls_internal
