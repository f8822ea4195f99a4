#include "debug/internal/shell_command.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace {

using ae::debug_internal::parse_shell_line;
using ae::debug_internal::ShellLineReader;
using ae::debug_internal::ShellVerb;

std::vector<std::string> texts(const std::vector<ShellLineReader::Line>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.overlong ? "<overlong>" : l.text);
  return out;
}

TEST(ShellLineReaderTest, SplitsLinesAcrossPiecesAndDropsTheCarriageReturn) {
  ShellLineReader reader(8);
  EXPECT_TRUE(reader.feed("he").empty());
  EXPECT_EQ(texts(reader.feed("lp\r\nwl\n\nw 1")), (std::vector<std::string>{"help", "wl", ""}));
  EXPECT_EQ(reader.buffered(), 3u);
  EXPECT_EQ(texts(reader.feed("2\r\n")), (std::vector<std::string>{"w 12"}));
}

TEST(ShellLineReaderTest, ReportsAnOverlongLineOnceAndSkipsItInAnyPieces) {
  ShellLineReader reader(4);
  EXPECT_EQ(texts(reader.feed("abcd\r\nabcde\n")),
            (std::vector<std::string>{"abcd", "<overlong>"}));
  EXPECT_EQ(texts(reader.feed("abc")), (std::vector<std::string>{}));
  EXPECT_EQ(texts(reader.feed("defgh")), (std::vector<std::string>{"<overlong>"}));
  EXPECT_LE(reader.buffered(), 5u);
  EXPECT_EQ(texts(reader.feed("ijklmnop")), (std::vector<std::string>{}));
  EXPECT_EQ(reader.buffered(), 0u) << "nothing of a skipped line is kept";
  EXPECT_EQ(texts(reader.feed("q\nok\n")), (std::vector<std::string>{"ok"}));
}

TEST(ShellCommandTest, ParsesEveryCommand) {
  auto wl = parse_shell_line("  wl  'timer*after=1'  ");
  ASSERT_TRUE(wl) << wl.message();
  EXPECT_EQ(wl->verb, ShellVerb::kWatchers);
  EXPECT_EQ(wl->pattern, "timer*after=1");
  auto w = parse_shell_line("w 12,#13 14");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->ids, (std::vector<std::uint64_t>{12, 13, 14}));
  EXPECT_EQ(parse_shell_line("i 3")->verb, ShellVerb::kWatcher);
  EXPECT_TRUE(parse_shell_line("t")->ids.empty());
  EXPECT_EQ(parse_shell_line("u 5")->verb, ShellVerb::kUntrace);
  EXPECT_EQ(parse_shell_line("v warn")->level, 5);
  EXPECT_FALSE(parse_shell_line("v")->level);
  EXPECT_EQ(parse_shell_line("wr 2")->level, 2);
  auto log = parse_shell_line("log ae::core all");
  ASSERT_TRUE(log);
  EXPECT_EQ(log->context, "ae::core");
  EXPECT_EQ(log->level, 10);
  EXPECT_EQ(parse_shell_line("")->verb, ShellVerb::kEmpty);
  EXPECT_EQ(parse_shell_line("metrics")->verb, ShellVerb::kMetrics);
  EXPECT_EQ(parse_shell_line("quit")->verb, ShellVerb::kQuit);
}

TEST(ShellCommandTest, RefusesJunkWithPrintableMessages) {
  const std::vector<std::string> junk = {"exit",
                                         "w",
                                         "w 0",
                                         "w -1",
                                         "w 99999999999999999999",
                                         "wr 3",
                                         "wr x",
                                         "v 10",
                                         "v 1 2",
                                         "log",
                                         "log a",
                                         "log a%b warn",
                                         "log a loud",
                                         "help me",
                                         "t 1;2",
                                         std::string("help\0", 5),
                                         "\x1b[2J",
                                         "caf\xc3\xa9",
                                         std::string(5000, 'x')};
  for (const std::string& bad : junk) {
    auto r = parse_shell_line(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.code(), std::errc::invalid_argument);
    for (char c : r.message()) {
      EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "raw byte " << int(c) << " in: " << r.message();
    }
  }
}

TEST(ShellCommandTest, PrintableEscapesEveryOtherByte) {
  EXPECT_EQ(ae::debug_internal::printable("a\x01\n\xff"), "a\\x01\n\\xff");
  EXPECT_EQ(ae::debug_internal::printable("a\n", false), "a\\x0a");
}

}  // namespace
