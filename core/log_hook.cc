#include "core/log_hook.h"

#include <unistd.h>

#include <string>

#include "core/internal/environment.h"

namespace ae {
namespace {

bool default_enabled(LogLevel level, std::string_view /*context*/) {
  static const int verbose = core_internal::verbose_from_environment();  // read once
  return static_cast<int>(level) <= verbose;
}

void default_write(LogLevel level, std::string_view context, std::string_view message) {
  static constexpr std::string_view kNames[] = {"",     "fatal", "alert", "crit",  "error",
                                                "warn", "note",  "info",  "debug", "trace"};
  int n = static_cast<int>(level);
  std::string line;
  line.reserve(context.size() + message.size() + 16);
  line.append(context).append(": ");
  if (n >= 1 && n <= 9) line.append(kNames[n]).append(": ");
  line.append(message).push_back('\n');
  // One write(2) per message keeps lines from several threads whole.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

constexpr LogSink kDefaultSink{&default_enabled, &default_write};
std::atomic<const LogSink*> g_sink{&kDefaultSink};

}  // namespace

void set_log_sink(const LogSink* sink) noexcept {
  g_sink.store(sink != nullptr ? sink : &kDefaultSink, std::memory_order_release);
}

const LogSink& log_sink() noexcept { return *g_sink.load(std::memory_order_acquire); }

void core_log(LogLevel level, std::string_view context, std::string_view message) noexcept {
  try {
    const LogSink& sink = log_sink();
    if (sink.enabled(level, context)) sink.write(level, context, message);
  } catch (...) {
    // A failing sink must not take the event loop down with it.
  }
}

}  // namespace ae
