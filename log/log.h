// //log: AnyEvent::Log for C++ — levels, contexts, targets, AE_VERBOSE / AE_LOG.
//
// Linking //log (it is alwayslink) installs it as //core's log sink at program start, so core's
// own warnings arrive in the context "ae::core", and reads AE_VERBOSE and AE_LOG (see
// log/config.h). Without any configuration, messages at error and above go to stderr.
//
// The quickest way to log is AE_LOG, which costs one relaxed load and a branch when the message
// would not be logged; its arguments are then neither evaluated nor formatted:
//
//   AE_LOG("warn", "disk %s is %d%% full", name, pct);       // in the context "main"
//   ae::log::Logger dbg = ae::log::ctx("myapp::db").logger("debug");
//   AE_LOG(dbg, "query took %.3f s", secs);                  // through a Logger
//   AE_LOG_CTX(ae::log::ctx("myapp"), "info", "started");    // a context and a level
//   AE_LOG(dbg, [&] { return dump(rows); });                 // built only when it will be logged
//
// The format is printf's (checked by the compiler): use "%s" to log text as it is, or
// ae::log::log(level, text).
//
// Timestamps come from ae::now(), the loop's cached time, as in AnyEvent::Log; a thread that has
// no loop gets ae::time() (logging never makes a loop). exact_time(true) in log/config.h
// switches to ae::time(), sampled per message.
//
// Example:
//   #include "log/log.h"
//   int main() {
//     ae::log::filter_context().level("info");
//     AE_LOG("info", "hello from %d", getpid());
//   }
#pragma once

#include <cstdarg>
#include <string_view>

#include "log/config.h"
#include "log/context.h"
#include "log/error.h"
#include "log/format.h"
#include "log/internal/log_ref.h"
#include "log/level.h"
#include "log/message.h"

namespace ae::log {

// Logs `message` as it is in the context "main" (AnyEvent's AE::log from package main), whose
// slave is collect_context(). Returns true when a target logged it. A fatal message then calls
// the fatal exit. Errors: std::invalid_argument when `level` is off() or all().
bool log(Level level, std::string_view message);
// Logs printf(format, ...) in the context "main", formatting only when a target will take it.
bool logf(Level level, const char* format, ...) __attribute__((format(printf, 2, 3)));
// A Logger for the context "main" at `level`.
Logger logger(Level level);

}  // namespace ae::log

namespace ae::log_internal {

// By value, so a temporary Logger passed to AE_LOG is not referred to after it is gone.
inline LogRef bind_target(const LogRef& logger) noexcept { return logger; }
inline LogRef bind_target(ae::log::Level level) noexcept {
  return LogRef(&g_main_base, nullptr, level);
}

}  // namespace ae::log_internal

// AE_LOG(level_or_logger, format, args...) or AE_LOG(level_or_logger, make_message): logs in the
// context "main" at a level (an ae::LogLevel, a number or a name literal), or through a Logger.
// Neither the arguments nor the message are evaluated unless a target will take the message.
#define AE_LOG(target, ...)                                                                      \
  do {                                                                                           \
    if (const auto ae_log_ref_ = ::ae::log_internal::bind_target(target); ae_log_ref_.enabled()) \
        [[unlikely]] {                                                                           \
      ae_log_ref_(__VA_ARGS__);                                                                  \
    }                                                                                            \
  } while (0)

// AE_LOG_CTX(context, level, format, args...) or AE_LOG_CTX(context, level, make_message): logs in
// an ae::log::Context, with AE_LOG's laziness. Pass a Context variable: ae::log::ctx("name") looks
// the name up (under a lock) every time.
#define AE_LOG_CTX(context, level, ...)                                                    \
  do {                                                                                     \
    const auto& ae_log_context_ = (context); /* a temporary lives to the end */            \
    if (const auto ae_log_ref_ = ae_log_context_.logger_ref(level); ae_log_ref_.enabled()) \
        [[unlikely]] {                                                                     \
      ae_log_ref_(__VA_ARGS__);                                                            \
    }                                                                                      \
  } while (0)
