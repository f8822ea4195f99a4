// The search behind the regex read types, with any pattern RE2 accepts: a search resumed on a
// growing buffer finds exactly the first match a search of the whole buffer finds. This is what
// proves the bound max_match_length() reads off a pattern is never too small.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "handle/internal/regex_search.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  const std::size_t piece = in.pick(8) + 1;
  const std::string_view pattern = in.take_until('\0');
  std::optional<ae::handle_internal::CompiledRegex> re;
  try {
    re.emplace(pattern);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  const std::string_view stream = in.take_rest();
  std::string text;
  std::size_t scanned = 0;
  for (std::size_t off = 0; off < stream.size(); off += piece) {
    text += stream.substr(off, piece);
    auto resumed = ae::handle_internal::find_first(*re, text, scanned);
    auto full = ae::handle_internal::find_first(*re, text, 0);
    AE_FUZZ_CHECK(resumed.match.has_value() == full.match.has_value());
    if (full.match) {
      AE_FUZZ_CHECK(resumed.match->begin == full.match->begin);
      AE_FUZZ_CHECK(resumed.match->end == full.match->end);
      // As a reader does: take the bytes up to the match, at least one so that it ends.
      text.erase(0, std::max<std::size_t>(full.match->end, 1));
      scanned = 0;
    } else {
      scanned = text.size();
    }
  }
  return 0;
}
