// The RE2 search behind the regex read types: the bound on a match's length read off the
// pattern, and searches resumed on a growing buffer that find exactly what a full search finds
// while looking at each byte a bounded number of times.
#include "handle/internal/regex_search.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace ae::handle_internal {
namespace {

TEST(RegexSearchTest, BoundedPatternsHaveABoundAndUnboundedOnesNone) {
  EXPECT_EQ(max_match_length("abc"), 3u);
  EXPECT_EQ(max_match_length("\\r?\\n\\r?\\n"), 10u);
  EXPECT_EQ(max_match_length("a{2,5}"), 6u * 5);
  EXPECT_EQ(max_match_length("(ab){3}c{2}"), 11u * 3 * 2);
  EXPECT_EQ(max_match_length("x{,3}"), 5u) << "not a repetition in RE2: literal text";
  EXPECT_FALSE(max_match_length("a*"));
  EXPECT_FALSE(max_match_length("a+b"));
  EXPECT_FALSE(max_match_length("a{2,}"));
  EXPECT_FALSE(max_match_length("<[^>]*>"));
  EXPECT_FALSE(max_match_length("[*]")) << "conservative: a '*' anywhere counts";
  EXPECT_FALSE(max_match_length("a{1000}{1000}")) << "too large to be worth resuming";
}

TEST(RegexSearchTest, BadPatternsAreInvalidArgumentWithRe2sReason) {
  try {
    CompiledRegex bad("a(b");
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("missing )"), std::string::npos) << e.what();
  }
  EXPECT_THROW(CompiledRegex("(a)\\1"), std::invalid_argument) << "no backreferences in RE2";
}

TEST(RegexSearchTest, MatchesBytesNotUtf8) {
  CompiledRegex any(".");
  SearchResult r = find_first(any, "\xff", 0);
  ASSERT_TRUE(r.match);
  EXPECT_EQ(r.match->end, 1u);
}

TEST(RegexSearchTest, AssertionsSeeTheWholeBufferWhenResumed) {
  CompiledRegex word("\\bab\\b");
  // "xab" searched without a match; one more byte must not turn "ab" into a word.
  std::string text = "xab";
  ASSERT_FALSE(find_first(word, text, 0).match);
  text += " ";
  EXPECT_FALSE(find_first(word, text, 3).match);
  text += "ab ";
  SearchResult r = find_first(word, text, 4);
  ASSERT_TRUE(r.match);
  EXPECT_EQ(r.match->begin, 4u);
  CompiledRegex start("^a");
  EXPECT_FALSE(find_first(start, "ba", 1).match) << "^ is the buffer's start, not the resume point";
}

// Random streams fed in random pieces: the resumed search finds the same first match as a search
// of the whole buffer every time.
TEST(RegexSearchTest, ResumedSearchesFindWhatFullSearchesFind) {
  std::mt19937 rng(2024);
  const char* patterns[] = {"\\r?\\n\\r?\\n", "ab?c", "[xy]{3}", "a.c", "\\bq\\b", "(ab|ba){2}",
                            "z$", "(?m)^k"};
  for (const char* p : patterns) {
    SCOPED_TRACE(p);
    CompiledRegex re(p);
    ASSERT_TRUE(re.max_length);
    for (int round = 0; round < 200; ++round) {
      std::string stream;
      std::size_t scanned = 0;
      for (int piece = 0; piece < 40; ++piece) {
        std::size_t n = rng() % 4;
        for (std::size_t i = 0; i < n; ++i) stream += "abcxyzq\r\n k"[rng() % 12];
        SearchResult resumed = find_first(re, stream, scanned);
        SearchResult full = find_first(re, stream, 0);
        ASSERT_EQ(bool(resumed.match), bool(full.match)) << stream;
        if (full.match) {
          EXPECT_EQ(resumed.match->begin, full.match->begin) << stream;
          EXPECT_EQ(resumed.match->end, full.match->end) << stream;
          stream.erase(0, full.match->end);
          scanned = 0;
        } else {
          scanned = stream.size();
        }
      }
    }
  }
}

TEST(RegexSearchTest, ADripFedHeadIsSearchedInLinearTime) {
  CompiledRegex re("\\r?\\n\\r?\\n");
  const std::string head = "GET /" + std::string(60000, 'a') + " HTTP/1.1\r\n\r\n";
  std::size_t scanned = 0;
  std::size_t looked_at = 0;
  for (std::size_t n = 4; n < head.size() + 4; n += 4) {
    std::string_view text = std::string_view(head).substr(0, std::min(n, head.size()));
    SearchResult r = find_first(re, text, scanned);
    looked_at += text.size() - r.searched_from;
    if (r.match) {
      EXPECT_EQ(r.match->end, head.size());
      break;
    }
    scanned = text.size();
  }
  EXPECT_LE(looked_at, 4 * head.size()) << "each byte is searched a bounded number of times";
}

TEST(RegexSearchTest, LongMatchesOfAnUnboundedPatternDoNotRecurse) {
  CompiledRegex re("<[^>]*>");
  std::string text = "<" + std::string(1 << 20, 'x') + ">";
  SearchResult r = find_first(re, text, 0);
  ASSERT_TRUE(r.match);
  EXPECT_EQ(r.match->end, text.size());
}

}  // namespace
}  // namespace ae::handle_internal
