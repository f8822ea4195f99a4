// The read and write types of handle/types.h, json.h and regex.h, through real fds: well-formed
// and malformed input.
#include "handle/types.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "handle/json.h"
#include "handle/regex.h"
#include "tests/handle/test_util.h"

namespace ae::testing {
namespace {

class ReadTypesTest : public LoopTest {
 protected:
  void SetUp() override {
    LoopTest::SetUp();
    auto [a, b] = unix_pair();
    h = std::make_unique<Handle>(
        a, Handle::Options{.on_error = [this](Handle&, bool fatal, std::error_code ec,
                                              std::string_view message) {
          errors.push_back(ec);
          fatals.push_back(fatal);
          messages.emplace_back(message);
        }});
    peer = std::make_unique<RawPeer>(b);
  }
  void TearDown() override {
    h.reset();
    peer.reset();
    LoopTest::TearDown();
  }

  // Collects string results of a read type.
  Function<void(Handle&, std::string)> collect() {
    return [this](Handle&, std::string d) { got.push_back(std::move(d)); };
  }
  bool wait_got(std::size_t n) {
    return run_until([&] { return got.size() >= n; });
  }
  bool wait_errors(std::size_t n) {
    return run_until([&] { return errors.size() >= n; });
  }

  std::unique_ptr<Handle> h;
  std::unique_ptr<RawPeer> peer;
  std::vector<std::string> got;
  std::vector<std::error_code> errors;
  std::vector<bool> fatals;
  std::vector<std::string> messages;
};

// ---- line ----

TEST_P(ReadTypesTest, LineWithALiteralMarkerSpanningTwoWrites) {
  std::vector<std::string> eols;
  for (int i = 0; i < 2; ++i) {
    h->push_read(line("\r\n.\r\n"), [&](Handle&, std::string l, std::string eol) {
      got.push_back(l);
      eols.push_back(eol);
    });
  }
  peer->write("one\r\ntwo\r\n");
  ASSERT_FALSE(run_until([&] { return !got.empty(); }, 0.05s));
  peer->write(".\r\nthree\r\n.\r\n");
  ASSERT_TRUE(wait_got(2));
  EXPECT_EQ(got, (std::vector<std::string>{"one\r\ntwo", "three"}));
  EXPECT_EQ(eols[0], "\r\n.\r\n");
}

TEST_P(ReadTypesTest, LineWithARegexMarker) {
  std::vector<std::string> eols;
  auto cb = [&](Handle&, std::string l, std::string eol) {
    got.push_back(l);
    eols.push_back(eol);
  };
  h->push_read(line(Regex("[;,]+")), cb);
  h->push_read(line(Regex("[;,]+")), cb);
  peer->write("a,b;;,");
  ASSERT_TRUE(wait_got(2));
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(eols, (std::vector<std::string>{",", ";;,"}));
}

TEST_P(ReadTypesTest, LineWithAnEmptyMarkerMatchesAtOnce) {
  // An empty marker is found in an empty buffer: the reader is done before any data arrives.
  h->push_read(line(""), [&](Handle&, std::string l, std::string) { got.push_back(l); });
  ASSERT_TRUE(wait_got(1));
  EXPECT_EQ(got[0], "");
  EXPECT_TRUE(h->rbuf().empty());
}

TEST_P(ReadTypesTest, LineFindsTheMarkerInALongLineWithoutRescanning) {
  // 8 MB without a newline, in many reads, then the newline: found once it arrives.
  h->push_read(line, [&](Handle&, std::string l, std::string) { got.push_back(l); });
  std::string block(64 * 1024, 'y');
  for (int i = 0; i < 128; ++i) peer->write(block);
  peer->write("\n");
  ASSERT_TRUE(run_until([&] { return !got.empty(); }, 20s));
  EXPECT_EQ(got[0].size(), 128u * block.size());
}

// ---- chunk ----

TEST_P(ReadTypesTest, ChunkDeliversExactSizesAndZeroAtOnce) {
  h->push_read(chunk(0), collect());
  h->push_read(chunk(3), collect());
  h->push_read(chunk(2), collect());
  peer->write("abcde");
  ASSERT_TRUE(wait_got(3));
  EXPECT_EQ(got, (std::vector<std::string>{"", "abc", "de"}));
}

// ---- regex ----

TEST_P(ReadTypesTest, RegexAcceptTakesEverythingUpToTheMatch) {
  h->push_read(regex("\r\n\r\n"), collect());
  peer->write("GET / HTTP/1.0\r\nHost: x\r\n\r\nbody");
  ASSERT_TRUE(wait_got(1));
  EXPECT_EQ(got[0], "GET / HTTP/1.0\r\nHost: x\r\n\r\n");
  EXPECT_EQ(h->rbuf().view(), "body");
}

TEST_P(ReadTypesTest, RegexRejectRaisesNonFatalEbadmsgAndStaysQueued) {
  h->push_read(regex("OK\n", "ERR"), collect());
  peer->write("ERR something");
  ASSERT_TRUE(wait_errors(1));
  EXPECT_EQ(errors[0], std::errc::bad_message);
  EXPECT_FALSE(fatals[0]);
  EXPECT_TRUE(got.empty());
  h->rbuf().consume(h->rbuf().size());  // the application drops the bad input
  peer->write("OK\n");
  ASSERT_TRUE(wait_got(1));
  EXPECT_EQ(got[0], "OK\n");
}

TEST_P(ReadTypesTest, RegexSkipSetsBytesAsideForTheResult) {
  h->push_read(regex("END", "", "^[^E]+"), collect());
  peer->write("aaaa");
  ASSERT_TRUE(run_until([&] { return h->rbuf().empty(); }));  // skipped, kept for the result
  peer->write("bbEND!");
  ASSERT_TRUE(wait_got(1));
  EXPECT_EQ(got[0], "aaaabbEND");
  EXPECT_EQ(h->rbuf().view(), "!");
}

// A match of 40 KB once overflowed the stack of a backtracking regex engine (std::regex recursed
// once per character a repetition matched).
TEST_P(ReadTypesTest, RegexMatchesOfManyKilobytesDoNotOverflowTheStack) {
  h->push_read(regex("<[^>]*>"), collect());
  std::string tag = "<" + std::string(256 * 1024, 'x') + ">";
  peer->write(tag);
  ASSERT_TRUE(wait_got(1));
  EXPECT_EQ(got[0], tag);
}

TEST_P(ReadTypesTest, RegexRejectIsRaisedOnceNotOnEveryRead) {
  h->push_read(regex("OK\n", "ERR"), collect());
  peer->write("ERR 1 ");
  ASSERT_TRUE(wait_errors(1));
  peer->write("more ");
  peer->write("and more\n");
  peer->write("OK\n");
  ASSERT_TRUE(wait_got(1));
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_EQ(got[0], "ERR 1 more and more\nOK\n");
}

TEST_P(ReadTypesTest, ABadPatternIsAnInvalidArgument) {
  EXPECT_THROW(regex("a(b"), std::invalid_argument);
  EXPECT_THROW(Regex("[z-a]"), std::invalid_argument);
}

// ---- netstring ----

TEST_P(ReadTypesTest, NetstringsBackToBack) {
  for (int i = 0; i < 3; ++i) h->push_read(netstring, collect());
  peer->write("5:hello,0:,");
  peer->write(netstring.encode(std::string("\0\n,", 3)));
  ASSERT_TRUE(wait_got(3));
  EXPECT_EQ(got, (std::vector<std::string>{"hello", "", std::string("\0\n,", 3)}));
}

TEST_P(ReadTypesTest, NetstringWithABadLengthIsEbadmsg) {
  for (const char* bad : {"01:x,", "x:", ":", "1234567890123456789:"}) {
    SCOPED_TRACE(bad);
    errors.clear();
    h->rbuf().consume(h->rbuf().size());
    h->push_read(netstring, collect());
    peer->write(bad);
    ASSERT_TRUE(wait_errors(1));
    EXPECT_EQ(errors[0], std::errc::bad_message);
    EXPECT_FALSE(fatals[0]);
    EXPECT_TRUE(got.empty());
    EXPECT_FALSE(h->destroyed());
    h->rbuf().consume(h->rbuf().size());
    peer->write("2:ok,");  // the reader is still queued
    ASSERT_TRUE(wait_got(1));
    EXPECT_EQ(got[0], "ok");
    got.clear();
  }
}

TEST_P(ReadTypesTest, NetstringWithoutItsCommaIsDroppedWithEbadmsg) {
  h->push_read(netstring, collect());
  h->push_read(netstring, collect());
  peer->write("3:abcX3:def,");
  ASSERT_TRUE(wait_got(1));
  EXPECT_EQ(got, (std::vector<std::string>{"def"}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], std::errc::bad_message);
  EXPECT_NE(messages[0].find("missing ','"), std::string::npos);
}

// ---- packstring ----

TEST_P(ReadTypesTest, PackstringRoundTripsInEveryFormat) {
  const char* formats[] = {"C",  "c",  "n",  "N",  "v",  "V",  "w",  "s",  "S",  "l",
                           "L",  "q",  "Q",  "i",  "I",  "j",  "J",  "s<", "S>", "l>",
                           "L<", "q>", "Q<", "i>", "I<", "j>", "J<", "s!", "S!", "l!",
                           "L!", "i!", "I!", "n!", "N!", "v!", "V!", "l!>"};
  std::vector<std::string> want;
  std::string wire;
  for (const char* f : formats) {
    std::string data = std::string(f) + std::string(static_cast<std::size_t>(f[0]) % 7, '.');
    want.push_back(data);
    wire += packstring(f).encode(data);
    h->push_read(packstring(f), collect());
  }
  // A long one in BER, split over many reads.
  std::string big(300000, 'B');
  want.push_back(big);
  wire += packstring("w").encode(big);
  h->push_read(packstring("w"), collect());
  peer->write(wire);
  ASSERT_TRUE(run_until([&] { return got.size() == want.size(); }, 10s));
  EXPECT_EQ(got, want);
}

TEST_P(ReadTypesTest, PackstringEncodesPerlsBytes) {
  EXPECT_EQ(packstring("N").encode("ab"), std::string("\0\0\0\2ab", 6));
  EXPECT_EQ(packstring("n").encode("ab"), std::string("\0\2ab", 4));
  EXPECT_EQ(packstring("v").encode("ab"), std::string("\2\0ab", 4));
  EXPECT_EQ(packstring("C").encode(""), std::string("\0", 1));
  EXPECT_EQ(packstring("w").encode(std::string(300, 'x')).substr(0, 2), "\x82\x2c");
  EXPECT_EQ(packstring("S>").encode("a"), std::string("\0\1a", 3));
  EXPECT_THROW(packstring("C").encode(std::string(256, 'x')), std::invalid_argument);
  EXPECT_THROW(packstring("c").encode(std::string(128, 'x')), std::invalid_argument);
  for (const char* bad : {"", "x", "a", "N<", "C!", "w!", "n>", "NN", "s<>", "q!"}) {
    EXPECT_THROW(packstring(bad), std::invalid_argument) << bad;
  }
  EXPECT_EQ(packstring("l!").format().size, static_cast<int>(sizeof(long)));
}

TEST_P(ReadTypesTest, PackstringWithANegativeOrOverflowingLengthIsEbadmsg) {
  h->push_read(packstring("c"), collect());
  peer->write("\xff");
  ASSERT_TRUE(wait_errors(1));
  EXPECT_EQ(errors[0], std::errc::bad_message);
  EXPECT_NE(messages[0].find("negative"), std::string::npos);
  h->rbuf().consume(1);
  h->destroy();

  auto [a, b] = unix_pair();
  Handle w(a, {.on_error = [&](Handle&, bool, std::error_code ec, std::string_view) {
             errors.push_back(ec);
           }});
  RawPeer p(b);
  w.push_read(packstring("w"), collect());
  p.write(std::string(11, '\xff'));
  ASSERT_TRUE(wait_errors(2));
  EXPECT_EQ(errors[1], std::errc::bad_message);
}

// ---- json ----

TEST_P(ReadTypesTest, JsonTextsBackToBackAndSplitAcrossWrites) {
  std::vector<nlohmann::json> values;
  for (int i = 0; i < 4; ++i) {
    h->push_read(json, [&](Handle&, nlohmann::json v) { values.push_back(std::move(v)); });
  }
  peer->write("[1,2]{\"a\":1} \n [\"br]ace}\\\"\"");
  peer->write(",{\"x\":[]}]  {\"u\":\"\xc3\xa9\"}");
  ASSERT_TRUE(run_until([&] { return values.size() == 4; }));
  EXPECT_EQ(values[0], nlohmann::json({1, 2}));
  EXPECT_EQ(values[1], nlohmann::json({{"a", 1}}));
  EXPECT_EQ(values[2][0], "br]ace}\"");
  EXPECT_EQ(values[3]["u"], "\xc3\xa9");
  EXPECT_TRUE(errors.empty());
}

TEST_P(ReadTypesTest, GarbageJsonIsSkippedWithEbadmsg) {
  std::vector<nlohmann::json> values;
  for (int i = 0; i < 2; ++i) {
    h->push_read(json, [&](Handle&, nlohmann::json v) { values.push_back(std::move(v)); });
  }
  // Not an array or object; a bracketed text that does not parse; then good texts.
  peer->write("hello [1,,2] {\"bad\": \"\xff\"} [true] {\"ok\":null}");
  ASSERT_TRUE(run_until([&] { return values.size() == 2; }));
  EXPECT_EQ(values[0], nlohmann::json::parse("[true]"));
  EXPECT_EQ(values[1], nlohmann::json::parse("{\"ok\":null}"));
  ASSERT_EQ(errors.size(), 3u);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i], std::errc::bad_message);
    EXPECT_FALSE(fatals[i]);
  }
}

TEST_P(ReadTypesTest, JsonWriteIsCompactWithoutNewlines) {
  h->push_write(json, {{"text", "two\nlines"}, {"n", 1}});
  ASSERT_TRUE(peer->wait_bytes(27));
  EXPECT_EQ(peer->received(), "{\"n\":1,\"text\":\"two\\nlines\"}");
}

TEST_P(ReadTypesTest, PushWriteOfPointerAndLengthWritesThoseBytes) {
  const char bytes[] = {'a', '\0', 'b', 'c'};
  h->push_write(bytes, 3);
  ASSERT_TRUE(peer->wait_bytes(3));
  EXPECT_EQ(peer->received(), std::string("a\0b", 3));
}

// ---- tls_detect ----

TEST_P(ReadTypesTest, TlsDetectRecognisesAHandshakeRecord) {
  int major = -1, minor = -1;
  bool tls = false;
  h->push_read(tls_detect, [&](Handle&, bool t, int ma, int mi) {
    tls = t;
    major = ma;
    minor = mi;
  });
  peer->write(std::string("\x16\x03", 2));
  ASSERT_FALSE(run_until([&] { return major >= 0; }, 0.05s)) << "undecided after two bytes";
  peer->write(std::string("\x01\x00\x2a", 3));
  ASSERT_TRUE(run_until([&] { return major >= 0; }));
  EXPECT_TRUE(tls);
  EXPECT_EQ(major, 3);
  EXPECT_EQ(minor, 1);
  EXPECT_EQ(h->rbuf().size(), 5u) << "nothing consumed";
}

TEST_P(ReadTypesTest, TlsDetectRecognisesAnSslv2CompatibleHello) {
  bool tls = false;
  int major = -1;
  h->push_read(tls_detect, [&](Handle&, bool t, int ma, int) {
    tls = t;
    major = ma;
  });
  peer->write(std::string("\x80\x2e\x01\x03\x01", 5));
  ASSERT_TRUE(run_until([&] { return major >= 0; }));
  EXPECT_TRUE(tls);
  EXPECT_EQ(major, 3);
}

TEST_P(ReadTypesTest, TlsDetectLeavesPlainTextForTheNextReader) {
  int calls = 0;
  bool tls = true;
  h->push_read(tls_detect, [&](Handle&, bool t, int, int) {
    ++calls;
    tls = t;
  });
  h->push_read(line, [&](Handle&, std::string l, std::string) { got.push_back(l); });
  peer->write("hello\n");
  ASSERT_TRUE(wait_got(1));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(tls);
  EXPECT_EQ(got[0], "hello");
}

INSTANTIATE_TEST_SUITE_P(Backends, ReadTypesTest, ::testing::ValuesIn(main_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
