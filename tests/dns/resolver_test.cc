// ae::dns::Resolver against a real authoritative server (nsd on loopback), on every backend.
#include "dns/resolver.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "tests/dns/support/lookup_waiter.h"
#include "tests/dns/support/test_zones.h"

namespace ae::dns_test {
namespace {

using namespace std::chrono_literals;
using dns::Error;
using dns::Record;
using dns::Resolver;
using dns::RrType;

class ResolverTest : public BackendTest {
 protected:
  void SetUp() override {
    nsd_ = shared_nsd();
    ASSERT_NE(nsd_, nullptr);
  }

  dns::Options options() const { return options_for(nsd_->v4()); }

  Records lookup(Resolver& r, auto method, std::string_view name) {
    return wait_for_lookup<std::vector<Record>>(
        [&](Resolver::Callback cb) { return (r.*method)(name, std::move(cb)); });
  }

  NsdServer* nsd_ = nullptr;
};

TEST_P(ResolverTest, AReturnsEveryAddressWithItsTtl) {
  Resolver r(options());
  Records got = lookup(r, &Resolver::a, "www.example.test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(got.calls, 1);
  std::vector<std::string> t = texts(got.value);
  std::sort(t.begin(), t.end());
  EXPECT_EQ(t, (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}));
  for (const Record& rr : got.value) {
    EXPECT_EQ(rr.name, "www.example.test");
    EXPECT_TRUE(rr.is(RrType::kA));
    EXPECT_EQ(rr.ttl, 300u);
    ASSERT_NE(rr.as<dns::Address>(), nullptr);
  }
}

TEST_P(ResolverTest, AaaaReturnsIpv6Addresses) {
  Resolver r(options());
  Records got = lookup(r, &Resolver::aaaa, "WWW.Example.Test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(texts(got.value), std::vector<std::string>{"2001:db8::10"});
}

TEST_P(ResolverTest, CnameChainIsFollowedToTheAddresses) {
  Resolver r(options());
  Records got = lookup(r, &Resolver::a, "alias.example.test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  ASSERT_EQ(got.value.size(), 2u);
  EXPECT_EQ(got.value[0].name, "www.example.test");

  Records cname = lookup(r, &Resolver::cname, "alias.example.test");
  ASSERT_FALSE(cname.ec) << cname.ec.message();
  EXPECT_EQ(texts(cname.value), std::vector<std::string>{"chain1.example.test."});
}

TEST_P(ResolverTest, CnameToAMissingNameIsNxDomain) {
  Resolver r(options());
  Records got = lookup(r, &Resolver::a, "dangling.example.test");
  EXPECT_EQ(got.ec, Error::kNxDomain);
  EXPECT_TRUE(got.value.empty());
}

TEST_P(ResolverTest, MxRecordsComeSortedByPreference) {
  Resolver r(options());
  Records got = lookup(r, &Resolver::mx, "example.test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(texts(got.value),
            (std::vector<std::string>{"10 mx1.example.test.", "20 mx2.example.test.",
                                      "30 mx3.example.test."}));
}

TEST_P(ResolverTest, SrvRecordsComeOrderedByPriority) {
  Resolver r(options());
  Records got = wait_for_lookup<std::vector<Record>>(
      [&](Resolver::Callback cb) { return r.srv("sip", "udp", "example.test", std::move(cb)); });
  ASSERT_FALSE(got.ec) << got.ec.message();
  ASSERT_EQ(got.value.size(), 3u);
  std::set<std::string> first{got.value[0].as<dns::Srv>()->target,
                              got.value[1].as<dns::Srv>()->target};
  EXPECT_EQ(first, (std::set<std::string>{"sip1.example.test", "sip2.example.test"}));
  EXPECT_EQ(got.value[2].text(), "20 0 5061 sip3.example.test.");
}

TEST_P(ResolverTest, TxtRecordKeepsEveryString) {
  Resolver r(options());
  Records got = lookup(r, &Resolver::txt, "txt.example.test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  ASSERT_EQ(got.value.size(), 1u);
  const dns::Txt* txt = got.value[0].as<dns::Txt>();
  ASSERT_NE(txt, nullptr);
  EXPECT_EQ(txt->strings, (std::vector<std::string>{"hello world", "second string"}));
  EXPECT_EQ(got.value[0].text(), "\"hello world\" \"second string\"");
}

TEST_P(ResolverTest, AnswerTooBigForUdpArrivesOverTcp) {
  // Without EDNS0 a UDP answer holds 512 octets: nsd truncates, c-ares retries over TCP.
  Resolver r(options());
  Records got = lookup(r, &Resolver::txt, "bigtxt.example.test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  ASSERT_EQ(got.value.size(), 1u);
  EXPECT_EQ(got.value[0].as<dns::Txt>()->strings, big_txt_strings(4));
}

TEST_P(ResolverTest, Edns0CarriesBigAnswersAndTcpTheHugeOnes) {
  dns::Options o = options();
  o.edns0 = true;
  Resolver r(o);
  Records big = lookup(r, &Resolver::txt, "bigtxt.example.test");
  ASSERT_FALSE(big.ec) << big.ec.message();
  EXPECT_EQ(big.value.at(0).as<dns::Txt>()->strings, big_txt_strings(4));
  Records huge = lookup(r, &Resolver::txt, "hugetxt.example.test");
  ASSERT_FALSE(huge.ec) << huge.ec.message();
  EXPECT_EQ(huge.value.at(0).as<dns::Txt>()->strings, big_txt_strings(24));
}

TEST_P(ResolverTest, SoaAndCaaRecordsAreDecoded) {
  Resolver r(options());
  Records soa = lookup(r, &Resolver::soa, "example.test");
  ASSERT_FALSE(soa.ec) << soa.ec.message();
  ASSERT_EQ(soa.value.size(), 1u);
  const dns::Soa* s = soa.value[0].as<dns::Soa>();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->mname, "ns1.example.test");
  EXPECT_EQ(s->rname, "hostmaster.example.test");
  EXPECT_EQ(s->serial, 2024010101u);
  EXPECT_EQ(s->minimum, 60u);

  Records caa = wait_for_lookup<std::vector<Record>>([&](Resolver::Callback cb) {
    return r.resolve("caa.example.test", RrType::kCaa, std::move(cb));
  });
  ASSERT_FALSE(caa.ec) << caa.ec.message();
  EXPECT_EQ(texts(caa.value), std::vector<std::string>{"0 issue \"letsencrypt.org\""});
}

TEST_P(ResolverTest, NsAndAnyLookups) {
  Resolver r(options());
  Records ns = lookup(r, &Resolver::ns, "example.test");
  ASSERT_FALSE(ns.ec) << ns.ec.message();
  EXPECT_EQ(texts(ns.value), std::vector<std::string>{"ns1.example.test."});

  // nsd answers ANY over UDP with one RRset (RFC 8482); every type is accepted.
  Records any = lookup(r, &Resolver::any, "www.example.test");
  ASSERT_FALSE(any.ec) << any.ec.message();
  ASSERT_FALSE(any.value.empty());
  for (const Record& rr : any.value) {
    EXPECT_EQ(rr.name, "www.example.test");
    EXPECT_TRUE(rr.is(RrType::kA) || rr.is(RrType::kAaaa)) << rr.type;
  }
}

TEST_P(ResolverTest, MissingNameIsNxDomainAndMissingTypeIsNoData) {
  Resolver r(options());
  Records nx = lookup(r, &Resolver::a, "nonexistent.example.test");
  EXPECT_EQ(nx.ec, Error::kNxDomain);
  EXPECT_TRUE(nx.value.empty());
  Records nodata = lookup(r, &Resolver::aaaa, "v4only.example.test");
  EXPECT_EQ(nodata.ec, Error::kNoData);
  EXPECT_TRUE(nodata.value.empty());
}

TEST_P(ResolverTest, ReverseLookupFindsPtrNames) {
  Resolver r(options());
  Names v4 = wait_for_lookup<std::vector<std::string>>(
      [&](Resolver::NamesCallback cb) { return r.reverse_lookup("192.0.2.10", std::move(cb)); });
  ASSERT_FALSE(v4.ec) << v4.ec.message();
  std::set<std::string> names(v4.value.begin(), v4.value.end());
  EXPECT_EQ(names, (std::set<std::string>{"www.example.test", "nomatch.example.test"}));

  Names v6 = wait_for_lookup<std::vector<std::string>>(
      [&](Resolver::NamesCallback cb) { return r.reverse_lookup("2001:db8::10", std::move(cb)); });
  ASSERT_FALSE(v6.ec) << v6.ec.message();
  EXPECT_EQ(v6.value, std::vector<std::string>{"www.example.test"});

  Names mapped = wait_for_lookup<std::vector<std::string>>([&](Resolver::NamesCallback cb) {
    return r.reverse_lookup("::ffff:192.0.2.50", std::move(cb));
  });
  ASSERT_FALSE(mapped.ec) << mapped.ec.message();
  EXPECT_EQ(mapped.value, std::vector<std::string>{"nomatch.example.test"});
}

TEST_P(ResolverTest, ReverseVerifyKeepsOnlyNamesThatMapBack) {
  Resolver r(options());
  auto verify = [&](std::string ip) {
    return wait_for_lookup<std::vector<std::string>>(
        [&](Resolver::NamesCallback cb) { return r.reverse_verify(ip, std::move(cb)); });
  };
  Names ok = verify("192.0.2.10");
  ASSERT_FALSE(ok.ec) << ok.ec.message();
  EXPECT_EQ(ok.value, std::vector<std::string>{"www.example.test"});

  Names v6 = verify("2001:db8::10");
  ASSERT_FALSE(v6.ec) << v6.ec.message();
  EXPECT_EQ(v6.value, std::vector<std::string>{"www.example.test"});

  EXPECT_EQ(verify("192.0.2.50").ec, Error::kNotVerified);
  EXPECT_EQ(verify("192.0.2.77").ec, Error::kNxDomain);
  EXPECT_EQ(verify("not an address").ec, Error::kBadAddress);
}

TEST_P(ResolverTest, SearchListCompletesShortNames) {
  dns::Options o = options();
  o.search = {"nowhere.test", "example.test"};
  Resolver r(o);
  Records got = lookup(r, &Resolver::a, "www");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(got.value.at(0).name, "www.example.test");

  // Per-request search lists replace the configured one.
  dns::QueryOptions qo;
  qo.search = std::vector<std::string>{"nowhere.test"};
  Records none = wait_for_lookup<std::vector<Record>>(
      [&](Resolver::Callback cb) { return r.resolve("www", RrType::kA, std::move(cb), qo); });
  EXPECT_TRUE(none.ec);
}

TEST_P(ResolverTest, AcceptingCnameStopsFollowing) {
  Resolver r(options());
  dns::QueryOptions qo;
  qo.accept = {static_cast<std::uint16_t>(RrType::kA), static_cast<std::uint16_t>(RrType::kCname)};
  Records got = wait_for_lookup<std::vector<Record>>([&](Resolver::Callback cb) {
    return r.resolve("alias.example.test", RrType::kA, std::move(cb), qo);
  });
  ASSERT_FALSE(got.ec) << got.ec.message();
  ASSERT_EQ(got.value.size(), 1u);
  EXPECT_TRUE(got.value[0].is(RrType::kCname));
}

TEST_P(ResolverTest, RequestDeliversTheWholeAnswerWhateverItsRcode) {
  Resolver r(options());
  auto got = wait_for_lookup<dns::Message>([&](Resolver::MessageCallback cb) {
    return r.request("nonexistent.example.test", 1, std::move(cb));
  });
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(got.value.rcode, dns::kRcodeNxDomain);
  EXPECT_TRUE(got.value.aa);
  ASSERT_EQ(got.value.authority.size(), 1u);
  EXPECT_NE(got.value.authority[0].as<dns::Soa>(), nullptr);
}

TEST_P(ResolverTest, MalformedNamesFailWithoutAQuery) {
  Resolver r(options());
  for (std::string bad : {std::string("a..b"), std::string(64, 'x') + ".test",
                          std::string(300, 'a'), std::string(".leading")}) {
    Records got = lookup(r, &Resolver::a, bad + ".");
    EXPECT_EQ(got.ec, Error::kBadName) << bad;
  }
  EXPECT_EQ(r.stats().queries_sent, 0u);
}

TEST_P(ResolverTest, RepeatedLookupIsAnsweredFromTheCache) {
  Resolver r(options());
  Records first = lookup(r, &Resolver::a, "www.example.test");
  ASSERT_FALSE(first.ec);
  std::uint64_t sent = r.stats().queries_sent;
  Records second = lookup(r, &Resolver::a, "www.example.test");
  ASSERT_FALSE(second.ec);
  EXPECT_EQ(texts(second.value), texts(first.value));
  EXPECT_EQ(r.stats().queries_sent, sent);
  EXPECT_EQ(r.stats().cache_hits, 1u);
  EXPECT_LE(second.value[0].ttl, first.value[0].ttl);

  // A negative answer is cached as well (SOA minimum 60 s).
  lookup(r, &Resolver::a, "nonexistent.example.test");
  sent = r.stats().queries_sent;
  EXPECT_EQ(lookup(r, &Resolver::a, "nonexistent.example.test").ec, Error::kNxDomain);
  EXPECT_EQ(r.stats().queries_sent, sent);

  r.clear_cache();
  lookup(r, &Resolver::a, "www.example.test");
  EXPECT_EQ(r.stats().queries_sent, sent + 1);
}

TEST_P(ResolverTest, CancelledLookupNeverCallsBack) {
  dns::Options o = options();
  o.cache_size = 0;
  Resolver r(o);
  bool called = false;
  Guard g = r.a("www.example.test", [&](std::error_code, std::vector<Record>) { called = true; });
  g.reset();
  // A later lookup's answer arrives after the cancelled one's would have.
  Records later = lookup(r, &Resolver::a, "www.example.test");
  ASSERT_FALSE(later.ec);
  EXPECT_FALSE(called);
  EXPECT_TRUE(wait_until([&] { return r.stats().in_flight == 0; }));
}

TEST_P(ResolverTest, DestroyingTheResolverEndsPendingLookupsAsCancelled) {
  auto r = std::make_unique<Resolver>(options());
  CondVar<std::error_code> got;
  Guard g =
      r->a("www.example.test", [&](std::error_code ec, std::vector<Record>) { got.send(ec); });
  r.reset();
  ASSERT_TRUE(got.wait_for(5s));
  EXPECT_EQ(got.recv(), std::errc::operation_canceled);
}

TEST_P(ResolverTest, DestroyingTheResolverCancelsEveryKindOfLookupOnce) {
  dns::Options o = options();
  o.search = {"nowhere.test", "example.test"};
  auto r = std::make_unique<Resolver>(o);
  std::vector<std::error_code> got;
  auto note = [&](std::error_code ec) { got.push_back(ec); };
  std::vector<Guard> guards;
  guards.push_back(r->a("www", [&](std::error_code ec, std::vector<Record>) { note(ec); }));
  guards.push_back(r->reverse_verify(
      "192.0.2.10", [&](std::error_code ec, std::vector<std::string>) { note(ec); }));
  guards.push_back(
      ae::resolve_sockaddr(*r, "web.example.test", "http", {},
                           [&](std::error_code ec, std::vector<SocketAddress>) { note(ec); }));
  guards.push_back(
      r->request("www.example.test", 1, [&](std::error_code ec, dns::Message) { note(ec); }));
  r.reset();
  EXPECT_TRUE(wait_until([&] { return got.size() >= 4; }));
  Timer settle = loop().timer(0.1, [] {});
  EXPECT_TRUE(wait_until([&] { return !settle.active(); }));
  ASSERT_EQ(got.size(), 4u);
  for (std::error_code ec : got) EXPECT_EQ(ec, std::errc::operation_canceled) << ec.message();
}

TEST_P(ResolverTest, CallbackMayDestroyTheResolver) {
  auto r = std::make_unique<Resolver>(options());
  CondVar<> second;
  int calls = 0;
  Guard g1 = r->a("www.example.test", [&](std::error_code ec, std::vector<Record>) {
    ++calls;
    EXPECT_FALSE(ec);
    r.reset();
  });
  Guard g2 = r->aaaa("www.example.test", [&](std::error_code ec, std::vector<Record>) {
    ++calls;
    // Either answered before the resolver went, or cancelled by its destruction.
    EXPECT_TRUE(!ec || ec == std::errc::operation_canceled) << ec.message();
    second.send();
  });
  ASSERT_TRUE(second.wait_for(5s));
  EXPECT_EQ(calls, 2);
}

TEST_P(ResolverTest, CallbackMayWaitForAnotherLookupInANestedLoop) {
  dns::Options o = options();
  o.cache_size = 0;
  Resolver r(o);
  std::vector<std::string> inner;
  bool outer_done = false;
  Guard outer = r.a("v4only.example.test", [&](std::error_code ec, std::vector<Record>) {
    EXPECT_FALSE(ec);
    CondVar<> nested;
    Guard g = r.aaaa("v6only.example.test", [&](std::error_code ec2, std::vector<Record> rr) {
      EXPECT_FALSE(ec2) << ec2.message();
      inner = texts(rr);
      nested.send();
    });
    EXPECT_TRUE(nested.wait_for(5s));  // runs the loop from inside this callback
    outer_done = true;
    loop().stop();
  });
  Timer limit = loop().timer(10s, [&] { loop().stop(); });
  loop().run();
  EXPECT_TRUE(outer_done);
  EXPECT_EQ(inner, std::vector<std::string>{"2001:db8::20"});
}

TEST_P(ResolverTest, Ipv6ServerAddressWorks) {
  if (!nsd_->has_v6()) GTEST_SKIP() << "no IPv6 loopback";
  Resolver r(options_for(nsd_->v6()));
  Records got = lookup(r, &Resolver::a, "v4only.example.test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(texts(got.value), std::vector<std::string>{"192.0.2.20"});
}

TEST_P(ResolverTest, SecondServerAnswersWhenTheFirstIsDown) {
  dns::Options o = options();
  o.servers.insert(o.servers.begin(), *SocketAddress::from_numeric("127.0.0.1", 1));
  o.timeouts = {0.3};
  Resolver r(o);
  Records got = lookup(r, &Resolver::a, "v4only.example.test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(texts(got.value), std::vector<std::string>{"192.0.2.20"});
}

INSTANTIATE_TEST_SUITE_P(Backends, ResolverTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ae::dns_test
