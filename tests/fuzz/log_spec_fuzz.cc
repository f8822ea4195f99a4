// AnyEvent::Log specs (AE_LOG's syntax, ae::log_internal::parse_spec): any text parses or fails
// with a parse error that names the part, never a crash.
#include <cstdint>
#include <string_view>

#include "log/internal/spec.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto spec =
      ae::log_internal::parse_spec(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!spec) AE_FUZZ_CHECK(!spec.message().empty());
  return 0;
}
