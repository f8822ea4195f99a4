#include "core/guard.h"

#include <exception>
#include <string>

#include "core/log_hook.h"

namespace ae {

void Guard::report_exception() noexcept {
  std::string what = "unknown exception";
  try {
    throw;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  core_log(LogLevel::kError, "ae::core", "a Guard's function threw: " + what);
}

}  // namespace ae
