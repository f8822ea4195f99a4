// The per-loop default resolvers, and their installation as core's process default resolver.
//
// This file is linked whenever //dns is (alwayslink), so its static initializer runs.
#include <memory>
#include <vector>

#include "core/loop.h"
#include "core/resolver.h"
#include "dns/resolver.h"

namespace ae::dns {

// One thread's defaults, one per loop it has used.
class DefaultResolvers {
 public:
  ~DefaultResolvers() {
    // The loops may already be gone at thread exit: drop the work, touch nothing.
    for (Entry& e : entries_) e.resolver->abandon();
  }

  Resolver& for_loop(Loop& loop) {
    // Entries whose loop was destroyed with work pending can never finish it. A destroyed
    // loop's idle entry is harmless (it holds no active watcher, and remakes its timers) and is
    // used again if a new loop takes that address.
    std::erase_if(entries_, [](Entry& e) {
      if (e.resolver->loop_alive()) return false;
      e.resolver->abandon();
      return true;
    });
    for (Entry& e : entries_) {
      if (e.loop == &loop) return *e.resolver;
    }
    entries_.push_back(Entry{&loop, std::make_unique<Resolver>()});
    return *entries_.back().resolver;
  }

 private:
  struct Entry {
    Loop* loop;
    std::unique_ptr<Resolver> resolver;
  };
  std::vector<Entry> entries_;
};

namespace {

thread_local DefaultResolvers t_defaults;

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
  return t_defaults.for_loop(Loop::current());
}

}  // namespace ae::dns
