// ae::tls::Context values made from the test PKI.
#pragma once

#include "tests/tls/support/pki.h"
#include "tls/context.h"

namespace ae::testing {

// Creates a Context or throws std::runtime_error with the reason.
tls::Context make_context(tls::ContextOptions options);
// A server with `cert` (pki().server by default).
tls::Context server_context(const Issued& cert = pki().server);
// A client that trusts pki().ca and nothing else.
tls::Context client_context();

}  // namespace ae::testing
