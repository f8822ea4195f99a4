// The hook through which //core (and any package that must not depend on //log) reports
// warnings and errors.
//
// //core never prints on its own terms: it calls ae::core_log(), which forwards to the installed
// sink. Without //log, the default sink prints to stderr the messages at the level
// PERL_ANYEVENT_VERBOSE or AE_VERBOSE gives (a digit 0-9, read once, at the first message) or
// more severe: 0 prints nothing, and unset (or anything but a digit) means AnyEvent's default 4,
// `error`. Linking //log replaces the sink with the full AnyEvent::Log machinery (contexts,
// filters, targets, AE_LOG, level names in AE_VERBOSE).
//
// Example:
//   if (ae::core_log_enabled(ae::LogLevel::kWarn))
//     ae::core_log(ae::LogLevel::kWarn, "ae::core", "signal could not be installed");
#pragma once

#include <atomic>
#include <string_view>

namespace ae {

// AnyEvent::Log's nine levels with their numbers.
enum class LogLevel : int {
  kFatal = 1,
  kAlert = 2,
  kCritical = 3,
  kError = 4,
  kWarn = 5,
  kNote = 6,
  kInfo = 7,
  kDebug = 8,
  kTrace = 9,
};

// A sink receives the level, the context name (e.g. "ae::core") and the message text.
struct LogSink {
  // Returns true when a message at `level` from `context` would be logged anywhere.
  bool (*enabled)(LogLevel level, std::string_view context) = nullptr;
  void (*write)(LogLevel level, std::string_view context, std::string_view message) = nullptr;
};

// Installs `sink` as the process-wide sink (both members must be set). Thread safety: safe to
// call at any time from any thread; messages already being written finish on the old sink.
void set_log_sink(const LogSink* sink) noexcept;

// Returns the sink in use (the stderr default when none was installed).
const LogSink& log_sink() noexcept;

inline bool core_log_enabled(LogLevel level, std::string_view context = "ae::core") noexcept {
  return log_sink().enabled(level, context);
}

// Reports `message` at `level`. Never throws.
void core_log(LogLevel level, std::string_view context, std::string_view message) noexcept;

}  // namespace ae
