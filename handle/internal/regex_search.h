// RE2 searches over a growing read buffer, resumed where the last search stopped when the
// pattern's matches have a bounded length. Private to //handle:regex.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <re2/re2.h>

namespace ae::handle_internal {

// An upper bound on the bytes one match of `pattern` can span (patterns match bytes: RE2's
// Latin-1 mode, where every pattern character matches at most one byte), or nullopt when the
// pattern is unbounded or the bound is too large to be worth resuming for. Read off the pattern
// text, erring towards "unbounded": any '*' or '+' counts (even escaped or in a class), and every
// {n} or {n,m} multiplies the bound as if it enclosed the whole pattern.
std::optional<std::size_t> max_match_length(std::string_view pattern);

struct CompiledRegex {
  explicit CompiledRegex(std::string_view pattern);
  CompiledRegex(const CompiledRegex&) = delete;
  CompiledRegex& operator=(const CompiledRegex&) = delete;

  std::string pattern;
  RE2 re;
  std::optional<std::size_t> max_length;
};

struct MatchSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};

struct SearchResult {
  std::optional<MatchSpan> match;
  std::size_t searched_from = 0;  // where the search began (what it cost: size - searched_from)
};

// The first match in `text`, given that its first `scanned` bytes were searched before (as the
// whole text of an earlier call) without a match. Empty-width assertions (^ $ \b) see all of
// `text`, wherever the search begins.
SearchResult find_first(const CompiledRegex& re, std::string_view text, std::size_t scanned);

}  // namespace ae::handle_internal
