// The whole public API of //tls (AnyEvent::TLS) in one include.
//
// Example:
//   #include "tls/tls.h"
//   ae::Result<ae::tls::Context> ctx = ae::tls::Context::create({.ca_file = "ca.pem"});
//   ae::Handle h("localhost", "8443", {.tls = ae::tls::connect(*ctx)});
#pragma once

#include "tls/certificate.h"
#include "tls/context.h"
#include "tls/error.h"
#include "tls/filter.h"
#include "tls/peername.h"
