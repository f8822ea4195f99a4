// Drops every message sent through core's log hook: parsers log what they skip (an invalid
// nameserver line, say), and millions of fuzz inputs would bury the fuzzer's own output.
#pragma once

#include "core/log_hook.h"

namespace ae::fuzz {

inline void quiet_logs() {
  static const LogSink silent{
      .enabled = [](LogLevel, std::string_view) { return false; },
      .write = [](LogLevel, std::string_view, std::string_view) {},
  };
  set_log_sink(&silent);
}

}  // namespace ae::fuzz
