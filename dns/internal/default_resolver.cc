// The per-loop default resolvers, and their installation as core's process default resolver.
//
// This file is linked whenever //dns is (alwayslink), so its static initializer runs.
#include <memory>

#include "core/loop.h"
#include "core/resolver.h"
#include "dns/resolver.h"

namespace ae::dns {
namespace {

// A loop's default resolver, kept as a service of that loop: made on first use, destroyed with
// the loop (before the loop's core, on its thread), which ends its pending requests with
// operation_canceled.
class DefaultResolver {
 public:
  Resolver resolver;
};

// core's ae::Resolver for the whole process: each request goes to the calling thread's current
// loop's default, so the one installed object serves every loop.
class ProcessDefault final : public ae::Resolver {
 public:
  Guard resolve_addresses(std::string_view name, int family, AddressesCallback cb) override {
    return resolver().resolve_addresses(name, family, std::move(cb));
  }
  Guard resolve_srv(std::string_view name, SrvCallback cb) override {
    return resolver().resolve_srv(name, std::move(cb));
  }
};

const bool g_installed = [] {
  ae::set_default_resolver(std::make_shared<ProcessDefault>());
  return true;
}();

}  // namespace

Resolver& resolver() {
  (void)g_installed;
  return Loop::current().service<DefaultResolver>().resolver;
}

}  // namespace ae::dns
