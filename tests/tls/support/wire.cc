#include "tests/tls/support/wire.h"

#include <gtest/gtest.h>

#include <utility>

namespace ae::testing {

Wire::Wire(const tls::Context& client_ctx, const tls::Context& server_ctx, std::string peername,
           std::uint16_t port)
    : client_filter(std::make_unique<tls::Filter>(client_ctx, tls::Role::kConnect,
                                                  std::move(peername), port)),
      server_filter(std::make_unique<tls::Filter>(server_ctx, tls::Role::kAccept)),
      client(*client_filter),
      server(*server_filter) {
  client.start();
  server.start();
}

void Wire::pump() {
  for (int round = 0; round < 100; ++round) {
    Buffer c2s, s2c;
    client.take_output(c2s);
    server.take_output(s2c);
    if (!c2s.empty()) server.receive(c2s.view());
    if (!s2c.empty()) client.receive(s2c.view());
    std::size_t got = server.read(server_in) + client.read(client_in);
    if (c2s.empty() && s2c.empty() && got == 0) return;
  }
  ADD_FAILURE() << "the filters never settled";
}

}  // namespace ae::testing
