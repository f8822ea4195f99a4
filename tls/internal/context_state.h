// ContextState: what an ae::tls::Context shares with the filters made from it. Private to //tls.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

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

  // Stores `session` for `peername` (taking the reference), evicting the oldest name when full.
  void cache_session(const std::string& peername, SSL_SESSION* session);
  // A new reference to the cached session for `peername`, or null.
  SSL_SESSION* cached_session(const std::string& peername) const;
  std::size_t cached_sessions() const;
  void clear_sessions();

 private:
  struct Entry {
    SessionPtr session;
    std::uint64_t stamp = 0;
  };
  // The connect role's session cache: the latest resumable session per peer name.
  std::once_flag trust_once_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> sessions_;
  std::uint64_t clock_ = 0;
};

}  // namespace ae::tls_internal
