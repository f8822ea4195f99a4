#include "io/internal/line_splitter.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ae::io_internal {
namespace {

std::vector<std::string> drain(LineSplitter& s) {
  std::vector<std::string> lines;
  while (auto line = s.next()) lines.emplace_back(*line);
  return lines;
}

using Lines = std::vector<std::string>;

TEST(LineSplitterTest, CutsAtNewlinesAndDropsTheTerminators) {
  LineSplitter s(100);
  s.append("a\nbb\r\n\nccc");
  EXPECT_EQ(drain(s), (Lines{"a", "bb", ""}));
  EXPECT_EQ(s.buffered(), 3u);
  s.append("c\n");
  EXPECT_EQ(drain(s), (Lines{"cccc"}));
  EXPECT_EQ(s.buffered(), 0u);
}

TEST(LineSplitterTest, ALoneCarriageReturnIsData) {
  LineSplitter s(100);
  s.append("a\rb\n");
  EXPECT_EQ(drain(s), (Lines{"a\rb"}));
}

TEST(LineSplitterTest, TerminatorSplitAcrossAppends) {
  LineSplitter s(100);
  s.append("x\r");
  EXPECT_EQ(drain(s), Lines{});
  s.append("\ny");
  EXPECT_EQ(drain(s), (Lines{"x"}));
}

TEST(LineSplitterTest, OverlongLinesComeInPiecesOfMaxLine) {
  LineSplitter s(4);
  s.append("abcd\n");  // exactly max_line: one line
  s.append("abcd\r\n");
  s.append("abcdefghij\n");
  EXPECT_EQ(drain(s), (Lines{"abcd", "abcd", "abcd", "efgh", "ij"}));
}

TEST(LineSplitterTest, AnOverlongLineWithoutTerminatorIsCutAsItGrows) {
  LineSplitter s(4);
  for (char c : std::string("0123456789")) s.append(std::string(1, c));
  EXPECT_EQ(drain(s), (Lines{"0123", "4567"}));
  EXPECT_LE(s.buffered(), 5u) << "memory stays bounded by max_line";
  EXPECT_EQ(s.take_rest(), "89");
}

TEST(LineSplitterTest, ManySmallAppendsOfOneLongLineStayLinear) {
  // Rescanning the whole buffer on every append would take ~n^2/2 = 5e11 steps here.
  constexpr std::size_t kBytes = 1'000'000;
  LineSplitter s(kBytes + 10);
  for (std::size_t i = 0; i < kBytes; ++i) {
    s.append("x");
    ASSERT_FALSE(s.next());
  }
  s.append("\n");
  auto line = s.next();
  ASSERT_TRUE(line);
  EXPECT_EQ(line->size(), kBytes);
}

}  // namespace
}  // namespace ae::io_internal
