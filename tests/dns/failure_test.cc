// ae::dns::Resolver against servers that fail: a hand-written responder on loopback answers
// SERVFAIL, REFUSED, garbage or nothing at all, with TTLs the tests choose.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "dns/resolver.h"
#include "tests/dns/support/fake_server.h"
#include "tests/dns/support/lookup_waiter.h"
#include "tests/dns/support/test_zones.h"

namespace ae::dns_test {
namespace {

using namespace std::chrono_literals;
using dns::Error;
using dns::Message;
using dns::Record;
using dns::Resolver;
using Answer = std::optional<std::vector<std::uint8_t>>;

class FailureTest : public BackendTest {
 protected:
  static dns::Options options(const SocketAddress& server, std::vector<double> timeouts = {0.5}) {
    dns::Options o;
    o.servers = {server};
    o.timeouts = std::move(timeouts);
    return o;
  }

  static Records a(Resolver& r, const std::string& name) {
    return wait_for_lookup<std::vector<Record>>(
        [&](Resolver::Callback cb) { return r.a(name, std::move(cb)); });
  }

  // Waits for a timer: the behaviour under test is the passing of time (a TTL running out).
  void pass(Seconds s) {
    CondVar<> done;
    Timer t = loop().timer(s, [&] { done.send(); });
    ASSERT_TRUE(done.wait_for(s + 5s));
  }
};

TEST_P(FailureTest, ServFailEndsTheLookupWithoutTryingAnotherServer) {
  FakeServer failing([](const Message& q) -> Answer { return reply(q, dns::kRcodeServFail); });
  FakeServer good([](const Message& q) -> Answer {
    return reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "192.0.2.1", 60)});
  });
  dns::Options o = options(failing.address());
  o.servers.push_back(good.address());
  Resolver r(o);
  EXPECT_EQ(a(r, "host.test").ec, Error::kServerFailure);
  EXPECT_EQ(failing.queries(), 1u);  // AnyEvent's rule: any answer ends the request
  EXPECT_EQ(good.queries(), 0u);
}

TEST_P(FailureTest, RefusedFormErrAndNotImpAreReported) {
  std::uint16_t rcode = dns::kRcodeRefused;
  FakeServer server([&](const Message& q) -> Answer { return reply(q, rcode); });
  Resolver r(options(server.address()));
  EXPECT_EQ(a(r, "one.test").ec, Error::kRefused);
  rcode = dns::kRcodeFormErr;
  EXPECT_EQ(a(r, "two.test").ec, Error::kFormatError);
  rcode = dns::kRcodeNotImp;
  EXPECT_EQ(a(r, "three.test").ec, Error::kNotImplemented);
  EXPECT_EQ(server.queries(), 3u);
}

TEST_P(FailureTest, SilentServerTimesOutAfterTheRetrySchedule) {
  FakeServer silent([](const Message&) -> Answer { return std::nullopt; });
  Resolver r(options(silent.address(), {0.2, 0.3}));
  auto start = std::chrono::steady_clock::now();
  Records got = a(r, "host.test");
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(got.ec, Error::kTimedOut);
  EXPECT_EQ(silent.queries(), 2u);  // one per timeout value, as AnyEvent's probe shows
  EXPECT_GE(elapsed, 0.45);
}

TEST_P(FailureTest, SilentFirstServerFallsThroughToTheSecond) {
  FakeServer silent([](const Message&) -> Answer { return std::nullopt; });
  FakeServer good([](const Message& q) -> Answer {
    return reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "192.0.2.7", 60)});
  });
  dns::Options o = options(silent.address(), {0.2});
  o.servers.push_back(good.address());
  Resolver r(o);
  Records got = a(r, "host.test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(texts(got.value), std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(silent.queries(), 1u);
}

// The timeout is an hour: kConnectionRefused (not kTimedOut) at all shows the refusal ended it.
TEST_P(FailureTest, NoServerListeningFailsWellWithinTheTimeout) {
  Resolver r(options(closed_port(), {3600}));
  Records got = a(r, "host.test");
  EXPECT_EQ(got.ec, Error::kConnectionRefused);
  EXPECT_EQ(dns::to_resolve_error(got.ec), ResolveError::kServerFailure);
}

TEST_P(FailureTest, MalformedAnswerIsABadResponse) {
  FakeServer server([](const Message& q) -> Answer {
    std::vector<std::uint8_t> wire =
        reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "192.0.2.1", 60)});
    wire.resize(wire.size() - 3);  // cut the address short
    return wire;
  });
  Resolver r(options(server.address()));
  EXPECT_EQ(a(r, "host.test").ec, Error::kBadResponse);
}

// c-ares drops an answer whose question it cannot read and would wait for the timeout; the
// lookup ends with the first answer instead, so the server sees one query, not one per round of
// the retry schedule.
TEST_P(FailureTest, GarbageWithTheQueryIdIsABadResponseAtOnce) {
  FakeServer server([](const Message& q) -> Answer {
    // The id, then octets that are no DNS message (the question's name points past the end).
    std::vector<std::uint8_t> wire(40, 0xff);
    wire[0] = static_cast<std::uint8_t>(q.id >> 8);
    wire[1] = static_cast<std::uint8_t>(q.id);
    return wire;
  });
  Resolver r(options(server.address(), {2, 5, 5}));
  Records got = wait_for_lookup<std::vector<Record>>(
      [&](Resolver::Callback cb) { return r.a("host.test", std::move(cb)); }, 60s);
  EXPECT_EQ(got.ec, Error::kBadResponse);
  EXPECT_EQ(server.queries(), 1u);
  EXPECT_EQ(dns::to_resolve_error(got.ec), ResolveError::kServerFailure);
}

TEST_P(FailureTest, AnswerShorterThanAHeaderIsABadResponseAtOnce) {
  FakeServer server([](const Message& q) -> Answer {
    return std::vector<std::uint8_t>{static_cast<std::uint8_t>(q.id >> 8),
                                     static_cast<std::uint8_t>(q.id), 0x81, 0x80};
  });
  Resolver r(options(server.address(), {2, 5, 5}));
  Records got = wait_for_lookup<std::vector<Record>>(
      [&](Resolver::Callback cb) { return r.a("host.test", std::move(cb)); }, 60s);
  EXPECT_EQ(got.ec, Error::kBadResponse);
  EXPECT_EQ(server.queries(), 1u);
}

TEST_P(FailureTest, GarbageWithAnotherIdIsIgnored) {
  FakeServer server([](const Message& q) -> Answer {
    std::vector<std::uint8_t> wire(40, 0xff);
    wire[0] = static_cast<std::uint8_t>((q.id + 1) >> 8);
    wire[1] = static_cast<std::uint8_t>(q.id + 1);
    return wire;
  });
  Resolver r(options(server.address(), {0.2}));
  EXPECT_EQ(a(r, "host.test").ec, Error::kTimedOut);
}

TEST_P(FailureTest, AnswerWithTheWrongIdIsIgnored) {
  FakeServer spoofer([](const Message& q) -> Answer {
    Message other = q;
    other.id = static_cast<std::uint16_t>(q.id + 1);
    return reply(other, dns::kRcodeNoError, {a_record(q.questions[0].name, "6.6.6.6", 60)});
  });
  Resolver r(options(spoofer.address(), {0.2}));
  EXPECT_EQ(a(r, "host.test").ec, Error::kTimedOut);
}

TEST_P(FailureTest, CnameLoopIsReported) {
  FakeServer server([](const Message& q) -> Answer {
    auto cname = [](std::string from, std::string to) {
      Record r;
      r.name = std::move(from);
      r.type = static_cast<std::uint16_t>(dns::RrType::kCname);
      r.ttl = 60;
      r.data = dns::Name{std::move(to)};
      return r;
    };
    return reply(q, dns::kRcodeNoError, {cname("a.test", "b.test"), cname("b.test", "a.test")});
  });
  Resolver r(options(server.address()));
  EXPECT_EQ(a(r, "a.test").ec, Error::kCnameLoop);
}

TEST_P(FailureTest, SearchMovesOnAfterAFailureAndReportsTheMostTellingError) {
  FakeServer server([](const Message& q) -> Answer {
    const std::string& name = q.questions[0].name;
    if (name == "host.one.test") return reply(q, dns::kRcodeServFail);
    if (name == "host.two.test") {
      return reply(q, dns::kRcodeNoError, {a_record(name, "192.0.2.2", 60)});
    }
    return reply(q, dns::kRcodeNxDomain);
  });
  dns::Options o = options(server.address());
  o.search = {"one.test", "two.test"};
  Resolver r(o);
  Records got = a(r, "host");
  ASSERT_FALSE(got.ec) << got.ec.message();
  EXPECT_EQ(got.value.at(0).name, "host.two.test");
  // A name no candidate has: every candidate is asked in AnyEvent's order.
  Records none = a(r, "other");
  EXPECT_EQ(none.ec, Error::kNxDomain);
  std::vector<std::string> asked;
  for (const Message& m : server.received()) asked.push_back(m.questions.at(0).name);
  EXPECT_EQ(asked, (std::vector<std::string>{"host.one.test", "host.two.test", "other.one.test",
                                             "other.two.test", "other"}));
}

TEST_P(FailureTest, PositiveAnswersLiveForTheirTtl) {
  int served = 0;
  FakeServer server([&](const Message& q) -> Answer {
    ++served;
    return reply(q, dns::kRcodeNoError,
                 {a_record(q.questions[0].name, "10.0.0." + std::to_string(served), 1)});
  });
  Resolver r(options(server.address()));
  EXPECT_EQ(texts(a(r, "ttl.test").value), std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(texts(a(r, "ttl.test").value), std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(server.queries(), 1u);
  pass(1.2s);
  EXPECT_EQ(texts(a(r, "ttl.test").value), std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(server.queries(), 2u);
}

TEST_P(FailureTest, ZeroTtlIsNeverCached) {
  FakeServer server([&](const Message& q) -> Answer {
    return reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "10.0.0.1", 0)});
  });
  Resolver r(options(server.address()));
  a(r, "ttl.test");
  a(r, "ttl.test");
  EXPECT_EQ(server.queries(), 2u);
}

TEST_P(FailureTest, NegativeAnswersLiveForTheSoaMinimum) {
  bool with_soa = true;
  FakeServer server([&](const Message& q) -> Answer {
    std::vector<Record> authority;
    if (with_soa) authority.push_back(soa_record("test", 300, 1));
    return reply(q, dns::kRcodeNxDomain, {}, authority);
  });
  Resolver r(options(server.address()));
  EXPECT_EQ(a(r, "gone.test").ec, Error::kNxDomain);
  EXPECT_EQ(a(r, "gone.test").ec, Error::kNxDomain);
  EXPECT_EQ(server.queries(), 1u);
  pass(1.2s);
  EXPECT_EQ(a(r, "gone.test").ec, Error::kNxDomain);
  EXPECT_EQ(server.queries(), 2u);

  // Without an SOA there is no negative TTL, so nothing is kept.
  with_soa = false;
  a(r, "other.test");
  a(r, "other.test");
  EXPECT_EQ(server.queries(), 4u);
}

TEST_P(FailureTest, ServerFailuresAreNotCached) {
  FakeServer server([](const Message& q) -> Answer {
    return reply(q, dns::kRcodeServFail, {}, {soa_record("test", 300, 300)});
  });
  Resolver r(options(server.address()));
  a(r, "x.test");
  a(r, "x.test");
  EXPECT_EQ(server.queries(), 2u);
}

TEST_P(FailureTest, Edns0AddsAnOptRecordOffering4096Octets) {
  FakeServer server([](const Message& q) -> Answer {
    return reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "192.0.2.1", 60)});
  });
  {
    Resolver plain(options(server.address()));
    a(plain, "plain.test");
  }
  dns::Options o = options(server.address());
  o.edns0 = true;
  Resolver edns(o);
  a(edns, "edns.test");
  ASSERT_EQ(server.queries(), 2u);
  EXPECT_TRUE(server.received()[0].additional.empty());
  ASSERT_EQ(server.received()[1].additional.size(), 1u);
  const Record& opt = server.received()[1].additional[0];
  EXPECT_TRUE(opt.is(dns::RrType::kOpt));
  EXPECT_EQ(opt.rclass, 4096);
}

TEST_P(FailureTest, MaxOutstandingHoldsFurtherQueriesInAQueue) {
  std::vector<Message> held;
  CondVar<> two_arrived;
  FakeServer server([&](const Message& q) -> Answer {
    held.push_back(q);
    if (held.size() == 2) two_arrived.send();
    return std::nullopt;  // answered below
  });
  dns::Options o = options(server.address(), {5});
  o.max_outstanding = 2;
  Resolver r(o);
  int answered = 0;
  CondVar<> all;
  std::vector<Guard> guards;
  for (int i = 0; i < 5; ++i) {
    guards.push_back(
        r.a("q" + std::to_string(i) + ".test", [&](std::error_code ec, std::vector<Record>) {
          EXPECT_FALSE(ec) << ec.message();
          if (++answered == 5) all.send();
        }));
  }
  EXPECT_EQ(r.stats().in_flight, 2u);
  EXPECT_EQ(r.stats().queued, 3u);
  ASSERT_TRUE(two_arrived.wait_for(5s));
  EXPECT_EQ(server.queries(), 2u);
  // Answer whatever is held; each answer frees a slot for the next queued query.
  Timer answer = loop().timer(0.01, 0.01, [&] {
    for (const Message& q : held) {
      server.send_to_last_peer(
          reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "192.0.2.9", 60)}));
    }
    held.clear();
  });
  ASSERT_TRUE(all.wait_for(5s));
  EXPECT_EQ(server.queries(), 5u);
  EXPECT_EQ(r.stats().peak_in_flight, 2u);
  EXPECT_EQ(r.stats().queued, 0u);
}

TEST_P(FailureTest, StuckQueriesDoNotHoldTheQueueForTheWholeSchedule) {
  // Names under stuck.test never get an answer; the rest do at once.
  FakeServer server([](const Message& q) -> Answer {
    if (q.questions[0].name.ends_with("stuck.test")) return std::nullopt;
    return reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "192.0.2.1", 60)});
  });
  dns::Options o = options(server.address(), {0.2, 60, 60});
  o.max_outstanding = 2;
  Resolver r(o);
  std::vector<Guard> stuck;
  for (int i = 0; i < 2; ++i) {
    stuck.push_back(r.a("s" + std::to_string(i) + ".stuck.test", [](std::error_code, auto) {}));
  }
  // Queued behind the stuck ones: answered after their first round (0.2 s), not after their
  // whole schedule (two more minutes).
  Records fine = wait_for_lookup<std::vector<Record>>(
      [&](Resolver::Callback cb) { return r.a("fine.test", std::move(cb)); }, 30s);
  EXPECT_FALSE(fine.ec) << fine.ec.message();
}

TEST_P(FailureTest, TheQueueBeyondMaxOutstandingIsBounded) {
  FakeServer silent([](const Message&) -> Answer { return std::nullopt; });
  dns::Options o = options(silent.address(), {5});
  o.max_outstanding = 1;
  o.max_queued = 2;
  Resolver r(o);
  std::vector<Guard> guards;
  for (int i = 0; i < 3; ++i) {
    guards.push_back(r.a("q" + std::to_string(i) + ".test", [](std::error_code, auto) {}));
  }
  EXPECT_EQ(r.stats().in_flight, 1u);
  EXPECT_EQ(r.stats().queued, 2u);
  Records over = a(r, "one-too-many.test");
  EXPECT_EQ(over.ec, Error::kQueueFull);
  EXPECT_EQ(r.stats().queued, 2u);
}

TEST_P(FailureTest, TruncatedAnswerAndRefusedTcpMoveOnToTheNextRound) {
  // The first answer is truncated and nothing listens for TCP on the server's port: c-ares's
  // TCP retry is refused. The next round (UDP again) gets a whole answer.
  int n = 0;
  FakeServer server([&](const Message& q) -> Answer {
    std::vector<std::uint8_t> wire =
        reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "192.0.2.3", 60)});
    if (++n == 1) wire[2] |= 0x02;  // TC
    return wire;
  });
  Resolver r(options(server.address(), {1, 1}));
  Records got = a(r, "big.test");
  ASSERT_FALSE(got.ec) << got.ec.message();
  ASSERT_EQ(got.value.size(), 1u);
  EXPECT_EQ(got.value[0].text(), "192.0.2.3");
  EXPECT_EQ(server.queries(), 2u);
}

TEST_P(FailureTest, CancelledQueuedQueryIsNeverSent) {
  FakeServer silent([](const Message&) -> Answer { return std::nullopt; });
  dns::Options o = options(silent.address(), {0.2});
  o.max_outstanding = 1;
  Resolver r(o);
  bool second_called = false;
  Records first = wait_for_lookup<std::vector<Record>>([&](Resolver::Callback cb) {
    Guard g1 = r.a("first.test", std::move(cb));
    Guard g2 =
        r.a("second.test", [&](std::error_code, std::vector<Record>) { second_called = true; });
    EXPECT_EQ(r.stats().queued, 1u);
    g2.reset();
    EXPECT_EQ(r.stats().queued, 0u);
    return g1;
  });
  EXPECT_EQ(first.ec, Error::kTimedOut);
  EXPECT_FALSE(second_called);
  EXPECT_EQ(silent.queries(), 1u);
}

TEST_P(FailureTest, ACallbackThatThrowsLeavesTheOtherRequestsRunning) {
  FakeServer server([](const Message& q) -> Answer {
    return reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "192.0.2.1", 60)});
  });
  dns::Options o = options(server.address());
  o.max_outstanding = 1;
  o.cache_size = 0;
  Resolver r(o);
  CondVar<> second;
  Guard g1 = r.a("first.test", [](std::error_code, std::vector<Record>) {
    throw std::runtime_error("from a DNS callback");
  });
  Guard g2 = r.a("second.test", [&](std::error_code ec, std::vector<Record>) {
    EXPECT_FALSE(ec) << ec.message();
    second.send();
  });
  // The exception reaches the program through the loop; the queued request still runs.
  EXPECT_THROW(second.wait_for(5s), std::runtime_error);
  EXPECT_TRUE(second.wait_for(5s));

  // The same for results delivered without a query.
  CondVar<> numeric;
  Guard g3 = ae::resolve_sockaddr(r, "127.0.0.1", "1", {}, [](std::error_code, auto) {
    throw std::runtime_error("from a resolve_sockaddr callback");
  });
  Guard g4 =
      ae::resolve_sockaddr(r, "127.0.0.1", "2", {},
                           [&](std::error_code, std::vector<SocketAddress>) { numeric.send(); });
  EXPECT_THROW(numeric.wait_for(5s), std::runtime_error);
  EXPECT_TRUE(numeric.wait_for(5s));
}

INSTANTIATE_TEST_SUITE_P(Backends, FailureTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ae::dns_test
