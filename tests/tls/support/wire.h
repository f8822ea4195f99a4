// Wire: a client and a server ae::tls::Filter back to back in memory, no sockets: pump() moves
// the bytes each one produces to the other until nothing moves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/buffer.h"
#include "tls/filter.h"

namespace ae::testing {

struct Wire {
  // Both filters are made and started; `peername` and `port` are the client's.
  Wire(const tls::Context& client_ctx, const tls::Context& server_ctx,
       std::string peername = "localhost", std::uint16_t port = 0);

  // Moves bytes both ways, and what each filter decrypts into client_in / server_in, until a
  // round moves nothing. A test failure when that takes more than 100 rounds.
  void pump();

  std::unique_ptr<tls::Filter> client_filter;
  std::unique_ptr<tls::Filter> server_filter;
  tls::Filter& client;
  tls::Filter& server;
  Buffer client_in;
  Buffer server_in;
};

}  // namespace ae::testing
