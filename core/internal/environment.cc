#include "core/internal/environment.h"

#include <stdlib.h>

namespace ae::core_internal {

std::optional<std::string> environment(std::string_view suffix) {
  for (std::string_view prefix : {"PERL_ANYEVENT_", "AE_"}) {
    std::string name(prefix);
    name.append(suffix);
    if (const char* value = ::secure_getenv(name.c_str())) return std::string(value);
  }
  return std::nullopt;
}

int verbose_from_environment() {
  constexpr int kDefault = 4;  // AnyEvent's: errors and worse
  std::optional<std::string> value = environment("VERBOSE");
  if (!value) return kDefault;
  std::string_view v = *value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\n'))
    v.remove_suffix(1);
  if (v.size() == 1 && v[0] >= '0' && v[0] <= '9') return v[0] - '0';
  return kDefault;
}

}  // namespace ae::core_internal
