#include "core/backend/kept_exception.h"

#include <string>
#include <utility>

#include "core/log_hook.h"

namespace ae::backend_internal {

void KeptException::keep() noexcept {
  report();
  kept_ = std::current_exception();
}

void KeptException::rethrow() {
  if (kept_) std::rethrow_exception(std::exchange(kept_, nullptr));
}

void KeptException::report() noexcept {
  if (!kept_) return;
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(std::exchange(kept_, nullptr));
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  core_log(LogLevel::kError, "ae::core", "exception from a callback was not collected: " + what);
}

}  // namespace ae::backend_internal
