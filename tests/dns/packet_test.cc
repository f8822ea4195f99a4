#include "dns/packet.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dns/error.h"

namespace ae::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

Record make(std::string name, RrType type, RData data, std::uint32_t ttl = 60) {
  Record r;
  r.name = std::move(name);
  r.type = static_cast<std::uint16_t>(type);
  r.ttl = ttl;
  r.data = std::move(data);
  return r;
}

Message sample() {
  Message m;
  m.id = 0xBEEF;
  m.qr = m.aa = m.rd = m.ra = true;
  m.rcode = kRcodeNoError;
  m.questions.push_back({"example.test", static_cast<std::uint16_t>(RrType::kAny), kClassIn});
  m.answers = {
      make("example.test", RrType::kA, *SocketAddress::from_numeric("192.0.2.1", 0)),
      make("example.test", RrType::kAaaa, *SocketAddress::from_numeric("2001:db8::1", 0)),
      make("example.test", RrType::kMx, Mx{10, "mail.example.test"}),
      make("example.test", RrType::kTxt, Txt{{"one", "two", ""}}),
      make("_s._tcp.example.test", RrType::kSrv, Srv{1, 2, 3, "t.example.test"}),
      make("example.test", RrType::kSoa, Soa{"ns", "host.master", 1, 2, 3, 4, 5}),
      make("example.test", RrType::kCaa, Caa{128, "issue", "ca.test"}),
      make("alias.example.test", RrType::kCname, Name{"example.test"}),
      make("example.test", static_cast<RrType>(65280), Raw{{1, 2, 3}}),
  };
  m.authority = {make("example.test", RrType::kNs, Name{"ns.example.test"})};
  return m;
}

TEST(PacketTest, EncodedMessageParsesBackUnchanged) {
  Message m = sample();
  Result<Bytes> wire = encode_message(m);
  ASSERT_TRUE(wire) << wire.message();
  Result<Message> back = parse_message(*wire);
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(back->id, 0xBEEF);
  EXPECT_TRUE(back->qr && back->aa && back->rd && back->ra);
  EXPECT_FALSE(back->tc);
  ASSERT_EQ(back->questions.size(), 1u);
  EXPECT_EQ(back->questions[0].name, "example.test");
  ASSERT_EQ(back->answers.size(), m.answers.size());
  for (std::size_t i = 0; i < m.answers.size(); ++i) {
    EXPECT_EQ(back->answers[i].name, m.answers[i].name);
    EXPECT_EQ(back->answers[i].type, m.answers[i].type);
    EXPECT_EQ(back->answers[i].ttl, 60u);
    EXPECT_EQ(back->answers[i].data, m.answers[i].data) << i;
  }
  EXPECT_EQ(back->authority.at(0).text(), "ns.example.test.");
}

TEST(PacketTest, RecordsRenderLikeDigShort) {
  Message m = sample();
  std::vector<std::string> want = {"192.0.2.1",
                                   "2001:db8::1",
                                   "10 mail.example.test.",
                                   "\"one\" \"two\" \"\"",
                                   "1 2 3 t.example.test.",
                                   "ns. host.master. 1 2 3 4 5",
                                   "128 issue \"ca.test\"",
                                   "example.test.",
                                   "\\# 3 010203"};
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(m.answers[i].text(), want[i]);
  EXPECT_EQ(type_name(15), "MX");
  EXPECT_EQ(type_name(65280), "TYPE65280");
  EXPECT_EQ(type_from_name("aaaa"), 28);
  EXPECT_EQ(type_from_name("*"), 255);
  EXPECT_EQ(type_from_name("TYPE99"), 99);
  EXPECT_FALSE(type_from_name("bogus"));
  EXPECT_FALSE(type_from_name("TYPE70000"));
}

TEST(PacketTest, CompressedNamesAreExpanded) {
  // Header, question "a.b" (offset 12), one answer named by a pointer to it, CNAME data
  // "x" + pointer.
  Bytes p = {0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 1, 'b', 0,    0, 5,
             0, 1, 0xC0, 12,   0, 5, 0, 1, 0, 0, 0, 9, 0, 4,   1, 'x', 0xC0, 14};
  Result<Message> m = parse_message(p);
  ASSERT_TRUE(m) << m.message();
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(m->answers[0].name, "a.b");
  EXPECT_EQ(m->answers[0].as<Name>()->name, "x.b");
  EXPECT_EQ(m->answers[0].ttl, 9u);
}

TEST(PacketTest, PointerLoopsAndForwardPointersAreRejected) {
  // A pointer to itself.
  Bytes self = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  EXPECT_EQ(parse_message(self).code(), Error::kBadResponse);
  // A label followed by a pointer back to that label: a loop that only the length limit stops.
  Bytes loop = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xC0, 12, 0, 1, 0, 1};
  EXPECT_EQ(parse_message(loop).code(), Error::kBadResponse);
  // A pointer forward.
  Bytes forward = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 16, 0, 1, 0, 1, 0};
  EXPECT_EQ(parse_message(forward).code(), Error::kBadResponse);
}

TEST(PacketTest, TruncatedOrInconsistentMessagesAreRejected) {
  Bytes wire = *encode_message(sample());
  for (std::size_t n = 0; n < wire.size(); ++n) {
    Result<Message> m = parse_message(std::span(wire.data(), n));
    EXPECT_FALSE(m) << "accepted a message cut to " << n << " octets";
    EXPECT_EQ(m.code(), Error::kBadResponse);
    EXPECT_FALSE(m.message().empty());
  }
  // An A record whose length says 5.
  Bytes bad_a = {0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                 1, 0, 1,    0,    0, 0, 1, 0, 5, 1, 2, 3, 4, 5};
  EXPECT_EQ(parse_message(bad_a).code(), Error::kBadResponse);
  // An MX whose name ends before its RDATA does.
  Bytes bad_mx = {0,  1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0,  0, 0,    0,
                  15, 0, 1,    0,    0, 0, 1, 0, 5, 0, 10, 0, 0xFF, 0xFF};
  EXPECT_EQ(parse_message(bad_mx).code(), Error::kBadResponse);
}

TEST(PacketTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(12345);
  Bytes base = *encode_message(sample());
  for (int round = 0; round < 20000; ++round) {
    Bytes p = base;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < flips; ++i) p[rng() % p.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 4 == 0) p.resize(rng() % p.size());
    Result<Message> m = parse_message(p);
    if (!m) {
      EXPECT_EQ(m.code(), Error::kBadResponse);
    }
  }
  for (int round = 0; round < 2000; ++round) {
    Bytes p(rng() % 600);
    for (auto& b : p) b = static_cast<std::uint8_t>(rng());
    (void)parse_message(p);
  }
}

TEST(PacketTest, TtlWithTheTopBitSetCountsAsZero) {
  Message m;
  m.answers.push_back(
      make("x", RrType::kA, *SocketAddress::from_numeric("1.2.3.4", 0), 0x80000001u));
  Result<Message> back = parse_message(*encode_message(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->answers[0].ttl, 0u);
}

TEST(PacketTest, NamesEncodeWithEscapesAndLimits) {
  EXPECT_EQ(*encode_name("a.b"), (Bytes{1, 'a', 1, 'b', 0}));
  EXPECT_EQ(*encode_name("a.b."), (Bytes{1, 'a', 1, 'b', 0}));
  EXPECT_EQ(*encode_name("."), (Bytes{0}));
  EXPECT_EQ(*encode_name("a\\.b"), (Bytes{3, 'a', '.', 'b', 0}));
  EXPECT_EQ(*encode_name("\\065\\032"), (Bytes{2, 'A', ' ', 0}));
  EXPECT_EQ(encode_name("a..b").code(), Error::kBadName);
  EXPECT_EQ(encode_name(".a").code(), Error::kBadName);
  EXPECT_EQ(encode_name("a\\").code(), Error::kBadName);
  EXPECT_EQ(encode_name("\\25").code(), Error::kBadName);
  EXPECT_EQ(encode_name("\\256").code(), Error::kBadName);
  EXPECT_TRUE(encode_name(std::string(63, 'x')));
  EXPECT_EQ(encode_name(std::string(64, 'x')).code(), Error::kBadName);
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(63, 'x') + ".";
  EXPECT_EQ(encode_name(long_name).code(), Error::kBadName);  // 257 octets on the wire
  long_name.resize(long_name.size() - 3);
  long_name.back() = 'x';
  EXPECT_TRUE(encode_name(long_name));  // 254 + root = 255
}

TEST(PacketTest, UnusualOctetsInLabelsAreEscaped) {
  Message m;
  m.answers.push_back(make("x", RrType::kPtr, Name{"a\\.b\\032c"}));
  Result<Message> back = parse_message(*encode_message(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->answers[0].as<Name>()->name, "a\\.b\\032c");
  EXPECT_EQ(escape_label("a.b c\x01"), "a\\.b\\032c\\001");
}

TEST(PacketTest, QueryCarriesTheQuestionAndAnOptionalOptRecord) {
  Result<Message> q = parse_message(*encode_query("www.example.test", 28, kClassIn, 7, true, 4096));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->id, 7);
  EXPECT_TRUE(q->rd);
  EXPECT_FALSE(q->qr);
  EXPECT_EQ(q->questions.at(0).name, "www.example.test");
  EXPECT_EQ(q->questions.at(0).type, 28);
  ASSERT_EQ(q->additional.size(), 1u);
  EXPECT_TRUE(q->additional[0].is(RrType::kOpt));
  EXPECT_EQ(q->additional[0].rclass, 4096);
  EXPECT_TRUE(parse_message(*encode_query("x", 1))->additional.empty());
  EXPECT_EQ(encode_query("a..b", 1).code(), Error::kBadName);
}

TEST(PacketTest, EncodingRejectsDataThatDoesNotFitItsType) {
  Message m;
  m.answers.push_back(make("x", RrType::kA, *SocketAddress::from_numeric("::1", 0)));
  EXPECT_EQ(encode_message(m).code(), Error::kBadResponse);
  m.answers[0] = make("x", RrType::kTxt, Txt{{std::string(256, 'x')}});
  EXPECT_EQ(encode_message(m).code(), Error::kBadResponse);
}

TEST(PacketTest, ExtendedRcodeFromTheOptRecord) {
  Message m;
  m.rcode = 0;
  Record opt = make("", RrType::kOpt, Raw{}, 0x01000000u);  // extended rcode 1 -> 16 (BADVERS)
  opt.rclass = 4096;
  m.additional.push_back(opt);
  Result<Message> back = parse_message(*encode_message(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->rcode, 16);
}

}  // namespace
}  // namespace ae::dns
