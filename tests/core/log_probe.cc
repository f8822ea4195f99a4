// Logs one message at each level through core's own sink (no //log linked) and prints the model
// of the default loop, for core_environment_test to run under chosen environments.
#include <cstdio>
#include <string>

#include "core/log_hook.h"
#include "core/loop.h"

int main() {
  for (int level = 1; level <= 9; ++level) {
    ae::core_log(static_cast<ae::LogLevel>(level), "ae::core", "level " + std::to_string(level));
  }
  std::printf("%.*s\n", static_cast<int>(ae::Loop::current().model().size()),
              ae::Loop::current().model().data());
  return 0;
}
