// A program linked with //log for environment_test: it reports the configuration that start-up
// produced on stdout and logs one message per level (and two through //core's hook), so the test
// can check AE_VERBOSE / AE_LOG end to end, including malformed values.

#include <cstdio>
#include <cstdlib>

#include "core/log_hook.h"
#include "core/loop.h"
#include "log/log.h"

int main() {
  std::printf("filter_mask=%u\n", static_cast<unsigned>(ae::log::filter_context().level_mask()));
  ae::log::Context probe = ae::log::ctx("probe");
  for (int level = 2; level <= 9; ++level) AE_LOG_CTX(probe, level, "probe level %d", level);
  ae::core_log(ae::LogLevel::kWarn, "ae::core", "core warning");
  ae::core_log(ae::LogLevel::kError, "ae::core", "core error");
  std::printf("core_warn_enabled=%d\n", ae::core_log_enabled(ae::LogLevel::kWarn) ? 1 : 0);
  if (std::getenv("PROBE_MAKE_LOOP") != nullptr) {
    // With AE_MODEL naming no backend, //core reports it through the hook.
    ae::Loop loop;
  }
  std::fflush(stdout);
  return 0;
}
