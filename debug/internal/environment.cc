// Reads //debug's environment variables at program start (the package is alwayslink, so this
// runs whenever //debug is linked, even if nothing names one of its symbols).
//
//   AE_DEBUG_WRAP=1|2   ae::debug::wrap(level)
//   AE_STRICT=1         ae::debug::strict(true) (0: off)
//   AE_DEBUG_METRICS=1  ae::debug::metrics(true) (0: off)
//   AE_STALL_MS=N       ae::debug::stall_threshold(N ms), and metrics(true)
//   AE_DEBUG_SHELL=A    ae::debug::shell(A) on the first loop made, for its lifetime
//
// A malformed value is reported on stderr and ignored. A setuid or setgid program ignores these
// variables (secure_getenv), as //log does with its own.
#include <stdlib.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string_view>

#include "debug/internal/state.h"
#include "debug/metrics.h"
#include "debug/strict.h"
#include "debug/wrap.h"

namespace ae::debug_internal {
namespace {

void complain(const char* name, std::string_view value, const char* expected) {
  std::fprintf(stderr, "ae::debug: ignoring %s=%.*s: expected %s\n", name,
               static_cast<int>(value.size()), value.data(), expected);
}

struct ReadEnvironment {
  ReadEnvironment() {
    if (const char* v = ::secure_getenv("AE_DEBUG_WRAP"); v != nullptr && *v != '\0') {
      std::string_view s = v;
      if (s == "0" || s == "1" || s == "2") {
        debug::wrap(s[0] - '0');
      } else {
        complain("AE_DEBUG_WRAP", s, "0, 1 or 2");
      }
    }
    if (const char* v = ::secure_getenv("AE_STRICT"); v != nullptr && *v != '\0') {
      std::string_view s = v;
      if (s == "0" || s == "1") {
        debug::strict(s == "1");
      } else {
        complain("AE_STRICT", s, "0 or 1");
      }
    }
    if (const char* v = ::secure_getenv("AE_DEBUG_METRICS"); v != nullptr && *v != '\0') {
      std::string_view s = v;
      if (s == "0" || s == "1") {
        debug::metrics(s == "1");
      } else {
        complain("AE_DEBUG_METRICS", s, "0 or 1");
      }
    }
    if (const char* v = ::secure_getenv("AE_STALL_MS"); v != nullptr && *v != '\0') {
      std::string_view s = v;
      long ms = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
      if (ec == std::errc() && end == s.data() + s.size() && ms > 0 && ms <= 86'400'000) {
        debug::stall_threshold(std::chrono::milliseconds(ms));
        debug::metrics(true);
      } else {
        complain("AE_STALL_MS", s, "a number of milliseconds from 1 to 86400000");
      }
    }
    if (const char* v = ::secure_getenv("AE_DEBUG_SHELL"); v != nullptr && *v != '\0') {
      set_pending_shell(v);
    }
  }
};

const ReadEnvironment read_environment;

}  // namespace
}  // namespace ae::debug_internal
