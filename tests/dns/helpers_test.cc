// The pure parts of //dns: SRV ordering, reverse names, punycode and the answer cache.
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dns/internal/cache.h"
#include "dns/internal/idn.h"
#include "dns/resolver.h"

namespace ae::dns {
namespace {

Record srv(std::uint16_t priority, std::uint16_t weight, std::string target) {
  Record r;
  r.name = "_x._tcp.example";
  r.type = static_cast<std::uint16_t>(RrType::kSrv);
  r.data = Srv{priority, weight, 1, std::move(target)};
  return r;
}

std::vector<std::string> targets(const std::vector<Record>& rr) {
  std::vector<std::string> out;
  for (const Record& r : rr) out.push_back(r.as<Srv>()->target);
  return out;
}

TEST(SrvOrderTest, LowerPriorityAlwaysComesFirst) {
  for (int i = 0; i < 200; ++i) {
    std::vector<Record> rr = {srv(20, 100, "c"), srv(10, 1, "a"), srv(30, 0, "d"), srv(10, 1, "b")};
    order_srv(rr);
    std::vector<std::string> t = targets(rr);
    EXPECT_TRUE(t[0] == "a" || t[0] == "b");
    EXPECT_TRUE(t[1] == "a" || t[1] == "b");
    EXPECT_EQ(t[2], "c");
    EXPECT_EQ(t[3], "d");
  }
}

TEST(SrvOrderTest, WeightsDecideTheOddsWithinAPriority) {
  std::mt19937 rng(7);
  std::map<std::string, int> first;
  const int rounds = 20000;
  for (int i = 0; i < rounds; ++i) {
    std::vector<Record> rr = {srv(0, 10, "light"), srv(0, 90, "heavy")};
    order_srv(rr, [&](std::uint32_t bound) {
      return std::uniform_int_distribution<std::uint32_t>(0, bound)(rng);
    });
    ++first[targets(rr)[0]];
  }
  double heavy = static_cast<double>(first["heavy"]) / rounds;
  EXPECT_NEAR(heavy, 0.9, 0.02);
}

TEST(SrvOrderTest, ZeroWeightGoesFirstOnlyWhenTheDrawIsZero) {
  std::vector<Record> rr = {srv(0, 50, "w"), srv(0, 0, "zero")};
  order_srv(rr, [](std::uint32_t) { return 0u; });
  EXPECT_EQ(targets(rr), (std::vector<std::string>{"zero", "w"}));
  rr = {srv(0, 50, "w"), srv(0, 0, "zero")};
  order_srv(rr, [](std::uint32_t bound) { return bound; });
  EXPECT_EQ(targets(rr), (std::vector<std::string>{"w", "zero"}));
}

TEST(ReverseNameTest, BuildsInAddrAndIp6ArpaNames) {
  EXPECT_EQ(reverse_name("192.0.2.10"), "10.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name("2001:db8::10"),
            "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(reverse_name("::ffff:192.0.2.50"), "50.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name("::192.0.2.50"), "50.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name("::1"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
  EXPECT_FALSE(reverse_name("www.example.test"));
  EXPECT_FALSE(reverse_name(""));
  EXPECT_FALSE(reverse_name(std::string(100, '1')));
}

TEST(IdnTest, PunycodeMatchesRfc3492) {
  using dns_internal::idn_to_ascii;
  EXPECT_EQ(idn_to_ascii("bücher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(idn_to_ascii("MÜNCHEN.de"), "xn--mnchen-3ya.de");  // ASCII letters fold to lower
  EXPECT_EQ(idn_to_ascii("例え.テスト"), "xn--r8jz45g.xn--zckzah");
  EXPECT_EQ(idn_to_ascii("plain.Example"), "plain.example");
  // RFC 3492 7.1 (L): Japanese "3<nen>B<gumi><kinpachi><sensei>".
  EXPECT_EQ(dns_internal::punycode_encode(U"3年B組金八先生"), "3B-ww4c5e180e575a65lsy2b");
  EXPECT_FALSE(idn_to_ascii("bad\xC3"));          // truncated UTF-8
  EXPECT_FALSE(idn_to_ascii("bad\xC0\xAF"));      // overlong
  EXPECT_FALSE(idn_to_ascii("bad\xED\xA0\x80"));  // surrogate
}

std::shared_ptr<const Message> answer(std::uint16_t rcode, std::vector<std::uint32_t> ttls,
                                      std::optional<std::pair<std::uint32_t, std::uint32_t>> soa) {
  auto m = std::make_shared<Message>();
  m->rcode = rcode;
  for (std::uint32_t ttl : ttls) {
    Record r;
    r.type = 1;
    r.ttl = ttl;
    r.data = *SocketAddress::from_numeric("192.0.2.1", 0);
    m->answers.push_back(r);
  }
  if (soa) {
    Record r;
    r.type = static_cast<std::uint16_t>(RrType::kSoa);
    r.ttl = soa->first;
    r.data = Soa{"ns", "h", 1, 1, 1, 1, soa->second};
    m->authority.push_back(r);
  }
  return m;
}

TEST(AnswerCacheTest, LifetimesFollowTtlsAndRfc2308) {
  using dns_internal::AnswerCache;
  EXPECT_EQ(AnswerCache::lifetime(*answer(kRcodeNoError, {300, 20, 100}, std::nullopt)), 20u);
  EXPECT_EQ(AnswerCache::lifetime(*answer(kRcodeNoError, {999999}, std::nullopt)), 86400u);
  EXPECT_EQ(AnswerCache::lifetime(*answer(kRcodeNxDomain, {}, std::pair{300u, 60u})), 60u);
  EXPECT_EQ(AnswerCache::lifetime(*answer(kRcodeNoError, {}, std::pair{30u, 60u})), 30u);
  EXPECT_EQ(AnswerCache::lifetime(*answer(kRcodeNxDomain, {}, std::pair{99999u, 99999u})), 10800u);
  EXPECT_FALSE(AnswerCache::lifetime(*answer(kRcodeNxDomain, {}, std::nullopt)));
  EXPECT_FALSE(AnswerCache::lifetime(*answer(kRcodeServFail, {}, std::pair{300u, 300u})));
  auto truncated = std::make_shared<Message>(*answer(kRcodeNoError, {300}, std::nullopt));
  truncated->tc = true;
  EXPECT_FALSE(AnswerCache::lifetime(*truncated));
}

TEST(AnswerCacheTest, AFullCacheDropsTheLeastRecentlyUsedEntry) {
  using dns_internal::AnswerCache;
  AnswerCache cache(2);
  cache.store("a", answer(kRcodeNoError, {10}, std::nullopt), 0);
  cache.store("b", answer(kRcodeNoError, {10}, std::nullopt), 0);
  EXPECT_TRUE(cache.find("a", 1));  // "a" is now used more recently than "b"
  cache.store("c", answer(kRcodeNoError, {10}, std::nullopt), 2);
  EXPECT_TRUE(cache.find("a", 3));
  EXPECT_FALSE(cache.find("b", 3));
  EXPECT_TRUE(cache.find("c", 3));
}

TEST(AnswerCacheTest, EntriesExpireAgeAndMakeRoom) {
  using dns_internal::AnswerCache;
  AnswerCache cache(2);
  std::string k1 = AnswerCache::key("One.Example.", 1, 1);
  EXPECT_EQ(k1, AnswerCache::key("one.example", 1, 1));
  EXPECT_NE(k1, AnswerCache::key("one.example", 28, 1));
  cache.store(k1, answer(kRcodeNoError, {10}, std::nullopt), 100.0);
  auto hit = cache.find(k1, 103.5);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->age, 3u);
  EXPECT_FALSE(cache.find(k1, 110.0));  // expired and dropped
  EXPECT_EQ(cache.size(), 0u);

  cache.store("a", answer(kRcodeNoError, {10}, std::nullopt), 0);
  cache.store("b", answer(kRcodeNoError, {10}, std::nullopt), 0);
  cache.store("c", answer(kRcodeNoError, {10}, std::nullopt), 0);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.find("a", 1));  // the oldest went first
  EXPECT_TRUE(cache.find("c", 1));
  cache.store("z", answer(kRcodeNoError, {0}, std::nullopt), 0);
  EXPECT_FALSE(cache.find("z", 0));
  AnswerCache off(0);
  off.store("a", answer(kRcodeNoError, {10}, std::nullopt), 0);
  EXPECT_EQ(off.size(), 0u);
}

}  // namespace
}  // namespace ae::dns
