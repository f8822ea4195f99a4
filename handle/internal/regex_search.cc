#include "handle/internal/regex_search.h"

#include <stdexcept>

namespace ae::handle_internal {
namespace {

// Beyond this, a resumed search would rescan so much that resuming is not worth the bookkeeping.
constexpr std::size_t kMaxBound = 64 * 1024;

RE2::Options byte_options() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  return o;
}

// Parses decimal digits at p[i...] (at most 9 of them); returns false if there are none.
bool digits(std::string_view p, std::size_t& i, std::size_t& value) {
  std::size_t start = i;
  value = 0;
  while (i < p.size() && p[i] >= '0' && p[i] <= '9' && i - start < 9) {
    value = value * 10 + static_cast<std::size_t>(p[i] - '0');
    ++i;
  }
  return i > start;
}

}  // namespace

std::optional<std::size_t> max_match_length(std::string_view p) {
  std::size_t product = 1;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '*' || p[i] == '+') return std::nullopt;
    if (p[i] != '{') continue;
    // {n}, {n,} or {n,m}; anything else is a literal '{'.
    std::size_t j = i + 1;
    std::size_t n = 0;
    std::size_t m = 0;
    if (!digits(p, j, n)) continue;
    if (j < p.size() && p[j] == '}') {
      m = n;
    } else if (j < p.size() && p[j] == ',') {
      ++j;
      if (!digits(p, j, m)) {
        if (j < p.size() && p[j] == '}') return std::nullopt;  // {n,}: unbounded
        continue;
      }
      if (j >= p.size() || p[j] != '}') continue;
    } else {
      continue;
    }
    if (m > 1) product *= m;
    if (product > kMaxBound) return std::nullopt;
  }
  if (p.size() > kMaxBound / product) return std::nullopt;
  return p.size() * product;
}

CompiledRegex::CompiledRegex(std::string_view p)
    : pattern(p),
      re(re2::StringPiece(p.data(), p.size()), byte_options()),
      max_length(max_match_length(p)) {
  if (!re.ok()) {
    throw std::invalid_argument("ae::Regex: bad pattern \"" + pattern + "\": " + re.error());
  }
}

SearchResult find_first(const CompiledRegex& c, std::string_view text, std::size_t scanned) {
  SearchResult r;
  // No match ended inside the first `scanned` bytes, and a match that ends later starts at most
  // max_length bytes before `scanned` (a match ending exactly there may be new, if it needed the
  // byte after it for a \b).
  if (c.max_length && scanned <= text.size()) {
    r.searched_from = scanned > *c.max_length ? scanned - *c.max_length : 0;
  }
  re2::StringPiece whole(text.data(), text.size());
  re2::StringPiece m;
  if (c.re.Match(whole, r.searched_from, text.size(), RE2::UNANCHORED, &m, 1)) {
    auto begin = static_cast<std::size_t>(m.data() - text.data());
    r.match = MatchSpan{begin, begin + m.size()};
  }
  return r;
}

}  // namespace ae::handle_internal
