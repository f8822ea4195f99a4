// The part of a logging context that inline code in the public headers touches: the cached set
// of levels that would reach a target. Everything else about a context lives in state.h.
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <string_view>

namespace ae::log_internal {

// Bits 1..9: one per message level.
inline constexpr std::uint16_t kAllLevelBits = 0x3FE;
// A fatal message always goes the slow way, because it ends the program even when no target
// takes it (AnyEvent::Log's fatal_exit).
inline constexpr std::uint16_t kFatalBit = 0x2;

struct NodeBase {
  // Bit n is set when a level-n message logged in this context would reach a target. Rewritten
  // (relaxed) after every configuration change; read (relaxed) by every logging call. Starts with
  // every bit set so a call made before the configuration is known takes the slow path.
  std::atomic<std::uint16_t> enabled{kAllLevelBits};
};

struct Node;

// The "main" context (AE_LOG(level, ...)): its cached bits live in a constant-initialised global,
// so checking them needs no function-local static.
extern constinit NodeBase g_main_base;

// Logs `text` at `level` in `node` (nullptr: the main context). Errors: std::invalid_argument
// when `level` is not 1..9.
bool log_text(Node* node, int level, std::string_view text);
bool log_vformat(Node* node, int level, const char* format, std::va_list args);

}  // namespace ae::log_internal
