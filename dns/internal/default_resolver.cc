// The per-loop default resolvers, and their installation as core's process default resolver.
//
// This file is linked whenever //dns is (alwayslink), so its static initializer runs.
#include <memory>
#include <vector>

#include "core/loop.h"
#include "core/resolver.h"
#include "dns/resolver.h"

namespace ae::dns {
namespace {

struct PerLoop {
  Loop* loop;
  std::unique_ptr<Resolver> resolver;
};

// One thread's defaults, one per loop it has used.
struct ThreadDefaults {
  std::vector<PerLoop> entries;
  ~ThreadDefaults() {
    // The loops may already be gone at thread exit: drop the work, touch nothing.
    for (PerLoop& e : entries) e.resolver->abandon_for_default();
  }
};

thread_local ThreadDefaults t_defaults;

// core's ae::Resolver for the whole process: each call goes to the calling thread's current
// loop's default, so the one installed object serves every loop.
class ProcessDefault final : public ae::Resolver {
 public:
  Guard resolve_sockaddr(std::string_view host, std::string_view service,
                         const ResolveOptions& options, ResolveCallback cb) override {
    return resolver().resolve_sockaddr(host, service, options, std::move(cb));
  }
};

const bool g_installed = [] {
  ae::set_default_resolver(std::make_shared<ProcessDefault>());
  return true;
}();

}  // namespace

Resolver& resolver() {
  (void)g_installed;
  Loop& loop = Loop::current();
  std::vector<PerLoop>& entries = t_defaults.entries;
  // Entries whose loop was destroyed with work pending cannot run it any more; a destroyed
  // loop's idle entry is harmless and is reused if a new loop takes its address, since an idle
  // resolver holds no watchers.
  std::erase_if(entries, [](PerLoop& e) {
    if (e.resolver->loop_alive_for_default()) return false;
    e.resolver->abandon_for_default();
    return true;
  });
  for (PerLoop& e : entries) {
    if (e.loop == &loop) return *e.resolver;
  }
  entries.push_back(PerLoop{&loop, std::make_unique<Resolver>()});
  return *entries.back().resolver;
}

}  // namespace ae::dns
