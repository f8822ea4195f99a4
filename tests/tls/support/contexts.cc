#include "tests/tls/support/contexts.h"

#include <stdexcept>
#include <utility>

namespace ae::testing {

tls::Context make_context(tls::ContextOptions options) {
  Result<tls::Context> c = tls::Context::create(std::move(options));
  if (!c) throw std::runtime_error("ae::tls::Context::create: " + c.message());
  return *c;
}

tls::Context server_context(const Issued& cert) {
  return make_context({.cert_file = cert.cert_file, .key_file = cert.key_file});
}

tls::Context client_context() { return make_context({.ca_file = pki().ca.cert_file}); }

}  // namespace ae::testing
