#include "debug/internal/registry.h"

#include <cinttypes>
#include <cstdio>

#include "debug/internal/state.h"

namespace ae::debug_internal {

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: hooks may run during static destruction
  return *r;
}

bool traced(const Record& r) noexcept {
  if (r.trace.has_value()) return *r.trace;
  return r.wrap_level > 0 && switches().trace.load(std::memory_order_relaxed);
}

std::string identity(const Record& r) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "#%" PRIu64 " ", r.id);
  std::string s = buf;
  s += watcher_type_name(r.type);
  s += ' ';
  s += r.where.file_name();
  s += ':';
  s += std::to_string(r.where.line());
  return s;
}

debug::WatcherInfo snapshot(const Record& r) {
  debug::WatcherInfo w;
  w.id = r.id;
  w.type = r.type;
  w.file = r.where.file_name();
  w.line = r.where.line();
  w.function = r.where.function_name();
  w.arguments = r.arguments;
  w.parent = r.parent;
  w.created = r.created;
  w.invocations = r.invocations;
  w.wrap_level = r.wrap_level;
  w.traced = traced(r);
  w.running = r.running > 0;
  w.errors.assign(r.errors.begin(), r.errors.end());
  w.backtrace = r.backtrace;
  return w;
}

bool pattern_matches(std::string_view pattern, std::string_view text) noexcept {
  // Glob matching with one remembered star (the classic greedy algorithm): at worst
  // O(pattern x text), never exponential. A leading and a trailing star are implied.
  std::size_t p = 0, t = 0;
  std::size_t star_p = 0, star_t = 0;
  bool star = true;  // the implied leading star
  for (;;) {
    if (p == pattern.size()) return true;  // the implied trailing star takes the rest
    if (t < text.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
      continue;
    }
    if (pattern[p] == '*') {
      star = true;
      star_p = ++p;
      star_t = t;
      continue;
    }
    if (!star || star_t >= text.size()) return false;
    p = star_p;
    t = ++star_t;
  }
}

}  // namespace ae::debug_internal
