// The examples' scanners for peer data (examples/common/http_text.h, smtp_client's reply lines)
// on well-formed, malformed and very long input.
#include <gtest/gtest.h>

#include <string>

#include "examples/common/http_text.h"
#include "examples/common/printable.h"
#include "examples/smtp_client/reply_line.h"

namespace ae::examples {
namespace {

TEST(PrintableTest, C0ControlsAndDelBecomeQuestionMarks) {
  EXPECT_EQ(printable(std::string("a\x1b[2J\x07\0\x7f\tb", 10)), "a?[2J????b");
  EXPECT_EQ(printable("a\r\nb\tc\rd", true), "a\nb\tc?d");
}

TEST(PrintableTest, C1ControlsBecomeQuestionMarksRawOrAsUtf8) {
  EXPECT_EQ(printable("\x9b"
                      "31mred"),
            "?31mred")
      << "a raw CSI";
  EXPECT_EQ(printable("\x80\x9f"), "??");
  EXPECT_EQ(printable("\xc2\x9b"
                      "2J"),
            "?2J")
      << "CSI spelled in UTF-8 is one character";
  EXPECT_EQ(printable("\xc2\x85"), "?") << "NEL";
}

TEST(PrintableTest, WellFormedUtf8IsKept) {
  const std::string text = "Gr\xc3\xbc\xc3\x9f \xe2\x80\xa6 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xc2\xa0";
  EXPECT_EQ(printable(text), text) << "continuation bytes 0x80-0x9F inside a sequence are fine";
}

TEST(PrintableTest, BrokenUtf8BecomesOneQuestionMarkPerByte) {
  EXPECT_EQ(printable("\xe2\x80"), "??") << "cut short";
  EXPECT_EQ(printable("\xc0\xaf"), "??") << "overlong '/'";
  EXPECT_EQ(printable("\xed\xa0\x80"), "???") << "a surrogate";
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "????") << "above U+10FFFF";
  EXPECT_EQ(printable("caf\xe9"), "caf?") << "Latin-1";
}

TEST(HttpTextTest, StatusLines) {
  auto ok = parse_status_line("HTTP/1.1 200 OK");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->code, 200);
  EXPECT_EQ(ok->reason, "OK");
  auto bare = parse_status_line("HTTP/2.0 204");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->code, 204);
  EXPECT_EQ(bare->reason, "");
  for (const char* bad : {"", "HTTP/1.1", "HTTP/1.1 20", "HTTP/1.1 2000", "HTTP/1 200",
                          "HTTP/.1 200", "http/1.1 200", "HTTP/1.1  200", "SSH-2.0-OpenSSH"}) {
    EXPECT_FALSE(parse_status_line(bad)) << bad;
  }
}

TEST(HttpTextTest, AStatusLineOfFortyThousandBytesParses) {
  std::string line = "HTTP/1.0 200 " + std::string(40000, 'x');
  auto r = parse_status_line(line);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason.size(), 40000u);
}

TEST(HttpTextTest, RequestLines) {
  auto r = parse_request_line("GET /a?b HTTP/1.1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->target, "/a?b");
  for (const char* bad : {"", "GET", "GET /", "GET / HTTP/2.0", "get / HTTP/1.1", "GET  / HTTP/1.1",
                          "GET / HTTP/1.1 ", " GET / HTTP/1.1"}) {
    EXPECT_FALSE(parse_request_line(bad)) << bad;
  }
  std::string long_path = "GET /" + std::string(40000, 'p') + " HTTP/1.0";
  auto l = parse_request_line(long_path);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->target.size(), 40001u);
}

TEST(HttpTextTest, ContentLength) {
  EXPECT_EQ(content_length("Content-Length: 42"), 42);
  EXPECT_EQ(content_length("Server: x\r\ncontent-LENGTH :\t7 \r\nX: y"), 7);
  EXPECT_EQ(content_length("Server: x\nX-Content-Length: 3"), -1);
  EXPECT_EQ(content_length("Content-Length: 1x"), -1);
  EXPECT_EQ(content_length("Content-Length: "), -1);
  EXPECT_EQ(content_length("Content-Length: 1234567890123456789"), -1);  // 19 digits
  EXPECT_EQ(content_length("Content-Length: 123456789012345678"), 123456789012345678);
  EXPECT_EQ(content_length(""), -1);
}

TEST(HttpTextTest, TheEndOfAHeadInEveryForm) {
  struct Case {
    std::string text;
    std::size_t head;
    std::size_t consumed;
  };
  for (const Case& c :
       {Case{"\r\nbody", 0, 2}, Case{"\nbody", 0, 1}, Case{"A: 1\r\n\r\nb", 4, 8},
        Case{"A: 1\n\nb", 4, 6}, Case{"A: 1\n\r\nb", 4, 7}, Case{"A: 1\r\nB: 2\r\n\r\n", 10, 14}}) {
    std::size_t resume = 0;
    auto end = find_head_end(c.text, 0, &resume);
    ASSERT_TRUE(end) << c.text;
    EXPECT_EQ(end->head, c.head) << c.text;
    EXPECT_EQ(end->consumed, c.consumed) << c.text;
  }
}

TEST(HttpTextTest, TheEndOfAHeadArrivingByteByByteIsFoundScanningEachByteOnce) {
  const std::string head = "A: " + std::string(60000, 'a') + "\r\nB: b\r\n\r\n";
  std::size_t resume = 0;
  std::size_t scanned = 0;  // bytes looked at over all calls
  for (std::size_t n = 1; n <= head.size(); ++n) {
    std::size_t from = resume;
    auto end = find_head_end(std::string_view(head).substr(0, n), from, &resume);
    scanned += n - from;
    if (end) {
      EXPECT_EQ(n, head.size());
      EXPECT_EQ(end->head, head.size() - 4);
      break;
    }
  }
  EXPECT_LE(scanned, 2 * head.size()) << "resumed scanning, not a rescan per byte";
}

TEST(SmtpReplyLineTest, CodesSeparatorsAndText) {
  auto last = parse_reply_line("250 OK");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->code, 250);
  EXPECT_FALSE(last->more);
  EXPECT_EQ(last->text, "OK");
  auto more = parse_reply_line("250-SIZE 1000");
  ASSERT_TRUE(more);
  EXPECT_TRUE(more->more);
  EXPECT_EQ(more->text, "SIZE 1000");
  auto bare = parse_reply_line("354");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->code, 354);
  for (const char* bad : {"", "25", "150 x", "650 x", "2x0 x", "250x", "hello"}) {
    EXPECT_FALSE(parse_reply_line(bad)) << bad;
  }
  std::string long_line = "220 " + std::string(40000, 'g');
  ASSERT_TRUE(parse_reply_line(long_line));
}

}  // namespace
}  // namespace ae::examples
