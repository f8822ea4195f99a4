// Many requests at once against nsd: every one answered, never more than max_outstanding on
// the wire, nothing left behind.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "dns/resolver.h"
#include "tests/dns/support/lookup_waiter.h"
#include "tests/dns/support/test_zones.h"

namespace ae::dns_test {
namespace {

using namespace std::chrono_literals;

class ConcurrencyTest : public BackendTest {
 protected:
  void SetUp() override {
    nsd_ = shared_nsd();
    ASSERT_NE(nsd_, nullptr);
  }
  // Every lookup a real query, at most `max_outstanding` on the wire.
  dns::Options options(std::size_t max_outstanding) const {
    dns::Options o = options_for(nsd_->v4());
    o.max_outstanding = max_outstanding;
    o.cache_size = 0;
    return o;
  }
  NsdServer* nsd_ = nullptr;
};

std::string bulk_address(int i) {
  return "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
         std::to_string(i & 255);
}

TEST_P(ConcurrencyTest, TenThousandRequestsWithMaxOutstanding100AreAllAnswered) {
  constexpr int kRequests = 10000;
  {
    dns::Resolver r(options(100));
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
  dns::Resolver r(options(50));
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
  ASSERT_TRUE(wait_until([&] { return r.stats().in_flight == 0; }));
  EXPECT_EQ(answered, kRequests / 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrencyTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ae::dns_test
