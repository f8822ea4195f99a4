#include "debug/strict.h"

#include "debug/internal/state.h"

namespace ae::debug {

bool strict(bool on) {
  bool previous = debug_internal::switches().strict.exchange(on);
  debug_internal::update_hooks();
  return previous;
}

bool strict_mode() noexcept { return debug_internal::switches().strict.load(); }

}  // namespace ae::debug
