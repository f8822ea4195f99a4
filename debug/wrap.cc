#include "debug/wrap.h"

#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <stdexcept>

#include "debug/internal/registry.h"
#include "debug/internal/state.h"

namespace ae::debug {

using debug_internal::registry;
using debug_internal::switches;

std::string WatcherInfo::identity() const {
  return "#" + std::to_string(id) + " " + std::string(watcher_type_name(type)) + " " + file + ":" +
         std::to_string(line);
}

std::string WatcherInfo::summary() const {
  std::string s = identity();
  if (!arguments.empty()) s += " " + arguments;
  s += " calls=" + std::to_string(invocations);
  if (running) s += " running";
  if (!errors.empty()) s += " errors=" + std::to_string(errors.size());
  return s;
}

std::string WatcherInfo::verbose() const {
  char when[64];
  std::snprintf(when, sizeof when, "%.6f", created);
  std::string s;
  s += "id:          " + std::to_string(id) + "\n";
  s += "type:        " + std::string(watcher_type_name(type)) + "\n";
  s += "created at:  " + file + ":" + std::to_string(line) + "\n";
  s += "in function: " + function + "\n";
  if (!arguments.empty()) s += "arguments:   " + arguments + "\n";
  s += "parent:      " + (parent == 0 ? std::string("none") : "#" + std::to_string(parent)) + "\n";
  s += "created:     " + std::string(when) + "\n";
  s += "invocations: " + std::to_string(invocations) + "\n";
  s += "wrap level:  " + std::to_string(wrap_level) + "\n";
  s += std::string("traced:      ") + (traced ? "yes" : "no") + "\n";
  s += std::string("running:     ") + (running ? "yes" : "no") + "\n";
  for (const std::string& e : errors) s += "error:       " + e + "\n";
  if (!backtrace.empty()) {
    s += "backtrace:\n";
    for (const std::string& f : backtrace) s += "  " + f + "\n";
  }
  return s;
}

int wrap(int level) {
  if (level < 0 || level > 2) {
    throw std::invalid_argument("ae::debug::wrap: level " + std::to_string(level) +
                                " is not 0, 1 or 2");
  }
  int previous = switches().wrap.exchange(level);
  debug_internal::update_hooks();
  return previous;
}

int wrap_level() noexcept { return switches().wrap.load(); }

void trace(bool on) noexcept { switches().trace.store(on); }
bool tracing() noexcept { return switches().trace.load(); }

bool trace(std::uint64_t id, bool on) {
  debug_internal::Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  auto it = reg.by_id.find(id);
  if (it == reg.by_id.end() || it->second->destroyed) return false;
  it->second->trace = on;
  return true;
}

std::vector<WatcherInfo> watchers(std::string_view filter) {
  std::vector<WatcherInfo> out;
  debug_internal::Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  for (const auto& [id, r] : reg.by_id) {
    if (r->destroyed) continue;
    WatcherInfo w = debug_internal::snapshot(*r);
    if (!filter.empty() && !debug_internal::pattern_matches(filter, w.summary())) continue;
    out.push_back(std::move(w));
  }
  return out;
}

std::optional<WatcherInfo> watcher(std::uint64_t id) {
  debug_internal::Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  auto it = reg.by_id.find(id);
  if (it == reg.by_id.end() || it->second->destroyed) return std::nullopt;
  return debug_internal::snapshot(*it->second);
}

std::uint64_t running_watcher() noexcept { return debug_internal::running_on_this_thread(); }

}  // namespace ae::debug
