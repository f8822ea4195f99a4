#include "http/internal/decoder.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/http/support/gzip.h"

namespace ae::http_internal {
namespace {

std::string decode_in_pieces(ContentDecoder& d, std::string_view coded, std::size_t step,
                             bool* ok) {
  std::string out;
  *ok = true;
  for (std::size_t i = 0; i < coded.size() && *ok; i += step) {
    *ok = d.decode(coded.substr(i, step), [&](std::string_view piece) {
      out.append(piece);
      return true;
    });
  }
  if (*ok) *ok = d.finish();
  return out;
}

std::string sample(std::size_t n) {
  std::mt19937 rng(7);
  std::string s;
  while (s.size() < n) s += "line " + std::to_string(rng() % 1000) + " of the sample body\n";
  s.resize(n);
  return s;
}

TEST(DecoderTest, KnowsGzipAndDeflateAndLeavesOtherCodingsAlone) {
  EXPECT_EQ(ContentDecoder::coding_for("gzip"), ContentDecoder::Coding::kGzip);
  EXPECT_EQ(ContentDecoder::coding_for(" X-GZIP "), ContentDecoder::Coding::kGzip);
  EXPECT_EQ(ContentDecoder::coding_for("deflate"), ContentDecoder::Coding::kDeflate);
  EXPECT_FALSE(ContentDecoder::coding_for(""));
  EXPECT_FALSE(ContentDecoder::coding_for("identity"));
  EXPECT_FALSE(ContentDecoder::coding_for("br"));
  EXPECT_FALSE(ContentDecoder::coding_for("gzip, br"));
}

TEST(DecoderTest, DecodesGzipZlibAndRawDeflateInAnyPieceSize) {
  const std::string body = sample(300000);
  struct Case {
    ContentDecoder::Coding coding;
    int bits;
  };
  for (Case c :
       {Case{ContentDecoder::Coding::kGzip, 31}, Case{ContentDecoder::Coding::kDeflate, 15},
        Case{ContentDecoder::Coding::kDeflate, -15}}) {
    std::string coded = http_test::gzip(body, c.bits);
    for (std::size_t step : {std::size_t{1}, std::size_t{977}, coded.size()}) {
      ContentDecoder d(c.coding);
      bool ok = false;
      EXPECT_TRUE(decode_in_pieces(d, coded, step, &ok) == body) << c.bits << " " << step;
      EXPECT_TRUE(ok) << d.error_message();
    }
  }
}

TEST(DecoderTest, ConcatenatedGzipMembersDecodeOneAfterAnother) {
  std::string coded = http_test::gzip("first,", 31) + http_test::gzip("second", 31);
  ContentDecoder d(ContentDecoder::Coding::kGzip);
  bool ok = false;
  EXPECT_EQ(decode_in_pieces(d, coded, 5, &ok), "first,second");
  EXPECT_TRUE(ok);
}

TEST(DecoderTest, BytesAfterAGzipMemberThatStartNoOtherAreIgnoredWhereverThePiecesEnd) {
  // Padding after the member, holding a gzip magic number later on: a member starts only right
  // after the previous one, so whatever follows the padding is padding too, in every split.
  const std::string coded = http_test::gzip("first", 31) + "pad\x1f\x8bnot a member";
  for (std::size_t step = 1; step <= coded.size(); ++step) {
    ContentDecoder d(ContentDecoder::Coding::kGzip);
    bool ok = false;
    EXPECT_EQ(decode_in_pieces(d, coded, step, &ok), "first") << step;
    EXPECT_TRUE(ok) << step << ": " << d.error_message();
  }
  // A second member whose magic number is split between two pieces is still decoded.
  const std::string two = http_test::gzip("first,", 31) + http_test::gzip("second", 31);
  for (std::size_t step = 1; step <= two.size(); ++step) {
    ContentDecoder d(ContentDecoder::Coding::kGzip);
    bool ok = false;
    EXPECT_EQ(decode_in_pieces(d, two, step, &ok), "first,second") << step;
    EXPECT_TRUE(ok) << step << ": " << d.error_message();
  }
}

TEST(DecoderTest, CorruptOrTruncatedDataIsAnError) {
  std::string coded = http_test::gzip(sample(10000), 31);
  {
    ContentDecoder d(ContentDecoder::Coding::kGzip);
    bool ok = true;
    decode_in_pieces(d, coded.substr(0, coded.size() / 2), 100, &ok);
    EXPECT_FALSE(ok);
    EXPECT_NE(d.error_message().find("ends before"), std::string::npos) << d.error_message();
  }
  {
    std::string bad = coded;
    bad[bad.size() / 2] ^= 0x55;
    bad[bad.size() / 2 + 1] ^= 0x55;
    ContentDecoder d(ContentDecoder::Coding::kGzip);
    bool ok = true;
    decode_in_pieces(d, bad, 100, &ok);
    EXPECT_FALSE(ok);
  }
  {
    ContentDecoder d(ContentDecoder::Coding::kGzip);
    bool ok = true;
    decode_in_pieces(d, "this is not gzip at all", 100, &ok);
    EXPECT_FALSE(ok);
    EXPECT_FALSE(d.error_message().empty());
  }
}

TEST(DecoderTest, OutputStopsWhenTheConsumerSaysSo) {
  std::string coded = http_test::gzip(sample(500000), 31);
  ContentDecoder d(ContentDecoder::Coding::kGzip);
  int pieces = 0;
  EXPECT_TRUE(d.decode(coded, [&](std::string_view) { return ++pieces < 2; }));
  EXPECT_EQ(pieces, 2);
}

TEST(DecoderTest, AnEmptyBodyIsFine) {
  ContentDecoder d(ContentDecoder::Coding::kGzip);
  EXPECT_TRUE(d.finish());
}

}  // namespace
}  // namespace ae::http_internal
