// Level sets as bit masks (bit n = level n), the way AnyEvent::Log::Ctx stores them.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "log/internal/node_base.h"
#include "log/level.h"

namespace ae::log_internal {

// $ctx->level($l): this level and every more important one; off() none; all() every one.
inline std::uint16_t mask_up_to(ae::log::Level level) noexcept {
  if (level == ae::log::Level::all()) return kAllLevelBits;
  return static_cast<std::uint16_t>(((1u << level.number()) - 1u) << 1);
}

// One entry of $ctx->levels/enable/disable(...): a level, or all() for every one.
// Errors: std::invalid_argument for off(), as AnyEvent croaks on 0 there.
inline std::uint16_t list_bits(ae::log::Level level) {
  if (level == ae::log::Level::all()) return kAllLevelBits;
  if (!level.is_message_level()) {
    throw std::invalid_argument("ae::log: 0/off is not a valid level in a level list");
  }
  return static_cast<std::uint16_t>(1u << level.number());
}

// $ctx->cap($l): 0 for off(), 9 for all() (AnyEvent's "last level of the list"), else the level.
inline int cap_number(ae::log::Level level) noexcept {
  return level == ae::log::Level::all() ? 9 : level.number();
}

}  // namespace ae::log_internal
