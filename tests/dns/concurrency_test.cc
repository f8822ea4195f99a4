// Many requests at once against nsd: every one answered, never more than max_outstanding on
// the wire, nothing left behind.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "dns/resolver.h"
#include "tests/dns/support/test_zones.h"

namespace ae::dns_test {
namespace {

using namespace std::chrono_literals;

class ConcurrencyTest : public BackendTest {};

std::string bulk_address(int i) {
  return "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
         std::to_string(i & 255);
}

TEST_P(ConcurrencyTest, TenThousandRequestsWithMaxOutstanding100AreAllAnswered) {
  NsdServer* nsd = shared_nsd();
  ASSERT_NE(nsd, nullptr);
  dns::Options o = options_for(nsd->v4());
  o.max_outstanding = 100;
  o.cache_size = 0;
  constexpr int kRequests = 10000;
  {
    dns::Resolver r(o);
    int answered = 0;
    int wrong = 0;
    CondVar<> done;
    std::vector<Guard> guards;
    guards.reserve(kRequests);
    for (int i = 0; i < kRequests; ++i) {
      guards.push_back(r.a("n" + std::to_string(i) + ".bulk.test",
                           [&, i](std::error_code ec, std::vector<dns::Record> rr) {
                             if (ec || rr.size() != 1 || rr[0].text() != bulk_address(i)) ++wrong;
                             if (++answered == kRequests) done.send();
                           }));
    }
    EXPECT_EQ(r.stats().in_flight, 100u);
    EXPECT_EQ(r.stats().queued, static_cast<std::size_t>(kRequests - 100));
    ASSERT_TRUE(done.wait_for(120s)) << answered << " answered";
    EXPECT_EQ(wrong, 0);
    dns::Resolver::Stats s = r.stats();
    EXPECT_EQ(s.peak_in_flight, 100u);
    EXPECT_EQ(s.in_flight, 0u);
    EXPECT_EQ(s.queued, 0u);
    EXPECT_GE(s.queries_sent, static_cast<std::uint64_t>(kRequests));
  }
}

TEST_P(ConcurrencyTest, CancellingHalfOfManyRequestsDeliversExactlyTheOtherHalf) {
  NsdServer* nsd = shared_nsd();
  ASSERT_NE(nsd, nullptr);
  dns::Options o = options_for(nsd->v4());
  o.max_outstanding = 50;
  o.cache_size = 0;
  dns::Resolver r(o);
  constexpr int kRequests = 2000;
  int answered = 0;
  int cancelled_called = 0;
  CondVar<> done;
  std::vector<Guard> guards;
  for (int i = 0; i < kRequests; ++i) {
    guards.push_back(r.a("n" + std::to_string(i) + ".bulk.test",
                         [&, i](std::error_code ec, std::vector<dns::Record>) {
                           EXPECT_FALSE(ec) << ec.message();
                           if (i % 2 == 1) ++cancelled_called;
                           if (++answered == kRequests / 2) done.send();
                         }));
  }
  for (int i = 1; i < kRequests; i += 2) guards[i].reset();
  ASSERT_TRUE(done.wait_for(60s));
  EXPECT_EQ(cancelled_called, 0);
  CondVar<> idle;
  Timer poll = loop().timer(0.01, 0.01, [&] {
    if (r.stats().in_flight == 0) idle.send();
  });
  ASSERT_TRUE(idle.wait_for(10s));
  EXPECT_EQ(answered, kRequests / 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrencyTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ae::dns_test
