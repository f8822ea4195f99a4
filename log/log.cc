#include "log/log.h"

#include <cstdarg>
#include <stdexcept>

namespace ae::log {
namespace {

log_internal::LogRef main_ref(Level level) {
  if (!level.is_message_level()) {
    throw std::invalid_argument("ae::log: a message needs a level from 1 (fatal) to 9 (trace)");
  }
  return log_internal::bind_target(level);
}

}  // namespace

bool log(Level level, std::string_view message) { return main_ref(level).log(message); }

bool logf(Level level, const char* format, ...) {
  log_internal::LogRef ref = main_ref(level);
  if (!ref.enabled()) return false;
  std::va_list args;
  va_start(args, format);
  bool logged = log_internal::log_vformat(nullptr, level.number(), format, args);
  va_end(args);
  return logged;
}

Logger logger(Level level) { return ctx("main").logger(level); }

}  // namespace ae::log
