#include "http/internal/public_suffix.h"

#include <libpsl.h>

#include <string>

namespace ae::http_internal {
namespace {

// The newer of the list Debian's publicsuffix package keeps current and the one libpsl was built
// with; loaded once, kept for the program's life, read-only afterwards.
const psl_ctx_t* suffix_list() {
  static const psl_ctx_t* const list = [] {
    const psl_ctx_t* latest = psl_latest(nullptr);
    return latest != nullptr ? latest : psl_builtin();
  }();
  return list;
}

}  // namespace

bool is_public_suffix(std::string_view domain) {
  const std::string name(domain);
  if (const psl_ctx_t* list = suffix_list()) {
    return psl_is_public_suffix2(list, name.c_str(), PSL_TYPE_ANY) != 0;
  }
  // No list at all: at least a single label ("com") is a registry's.
  return name.find('.') == std::string::npos;
}

}  // namespace ae::http_internal
