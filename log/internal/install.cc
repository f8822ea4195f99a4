// Installs //log as //core's log sink when the program starts (the library is alwayslink), and
// reads the environment then, so that core's messages and AE_VERBOSE / AE_LOG act from the
// first line of main().

#include <string_view>

#include "core/log_hook.h"
#include "log/internal/state.h"

namespace ae::log_internal {
namespace {

bool sink_enabled(ae::LogLevel level, std::string_view context) {
  try {
    const Node* node = named_node(ready(), context);
    return (node->enabled.load(std::memory_order_relaxed) & (1u << static_cast<int>(level))) != 0;
  } catch (...) {
    return static_cast<int>(level) <= static_cast<int>(ae::LogLevel::kError);
  }
}

void sink_write(ae::LogLevel level, std::string_view context, std::string_view message) {
  try {
    log_text(named_node(ready(), context), static_cast<int>(level), message);
  } catch (...) {
    // core_log() promises never to throw; a failing user callback cannot change that.
  }
}

constexpr ae::LogSink kSink{&sink_enabled, &sink_write};

// Never throws out of static initialisation: the environment is applied with every failure
// reported and swallowed (apply_environment is noexcept), and only then is the sink installed.
[[maybe_unused]] const bool kInstalled = [] {
  try {
    ready();
  } catch (...) {
    return false;  // no memory for the state: core keeps its own stderr sink
  }
  ae::set_log_sink(&kSink);
  return true;
}();

}  // namespace
}  // namespace ae::log_internal
