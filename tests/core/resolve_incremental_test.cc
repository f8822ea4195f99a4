// resolve_sockaddr_incremental: addresses given out as each family answers (RFC 8305 section 3),
// over a resolver whose answers the test gives by hand.
#include <stdlib.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"
#include "core/resolver.h"

namespace ae {
namespace {

using namespace std::chrono_literals;

// Holds each family's request until the test answers it.
class HeldResolver final : public Resolver {
 public:
  Guard resolve_addresses(std::string_view, int family, AddressesCallback cb) override {
    pending_[family] = std::move(cb);
    return Guard([this, family] { pending_.erase(family); });
  }
  Guard resolve_srv(std::string_view, SrvCallback cb) override {
    return postpone_cancellable([cb = std::move(cb)]() mutable { cb({}, {}); });
  }
  bool asked(int family) const { return pending_.contains(family); }
  void answer(int family, std::error_code ec, const std::vector<std::string>& ips = {}) {
    ASSERT_TRUE(asked(family));
    AddressesCallback cb = std::move(pending_[family]);
    pending_.erase(family);
    std::vector<SocketAddress> addrs;
    for (const std::string& ip : ips) addrs.push_back(*SocketAddress::from_numeric(ip, 0));
    cb(ec, std::move(addrs));
  }

 private:
  std::map<int, AddressesCallback> pending_;
};

struct Call {
  std::error_code ec;
  std::vector<std::string> addresses;
  bool complete;
};

class ResolveIncrementalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // No hosts-file entries, so each family's answer is the resolver's alone.
    hosts_ = std::string(getenv("TEST_TMPDIR")) + "/empty-hosts";
    std::ofstream(hosts_) << "";
    setenv("AE_HOSTS", hosts_.c_str(), 1);
    unsetenv("AE_PROTOCOLS");
  }
  void TearDown() override {
    unsetenv("AE_HOSTS");
    unsetenv("AE_PROTOCOLS");
  }

  Guard start() {
    Guard g = resolve_sockaddr_incremental(
        resolver_, "dual.test", "80", {},
        [this](std::error_code ec, std::vector<SocketAddress> addrs, bool complete) {
          Call c{ec, {}, complete};
          for (const SocketAddress& a : addrs) c.addresses.push_back(a.to_string());
          calls_.push_back(c);
          called_.send();
        });
    // The requests go out from the loop after the (absent) SRV lookup.
    CondVar<> asked;
    Timer poll = timer(0.0, 0.001, [&] {
      if (resolver_.asked(AF_INET) && resolver_.asked(AF_INET6)) asked.send();
    });
    asked.recv();
    return g;
  }

  HeldResolver resolver_;
  std::vector<Call> calls_;
  CondVar<> called_;
  std::string hosts_;
};

TEST_F(ResolveIncrementalTest, PreferredFamilyGoesOutAtOnceAndTheRestWhenItComes) {
  Guard g = start();
  resolver_.answer(AF_INET, {}, {"10.0.0.1", "10.0.0.2"});
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_FALSE(calls_[0].ec);
  EXPECT_EQ(calls_[0].addresses, (std::vector<std::string>{"10.0.0.1:80", "10.0.0.2:80"}));
  EXPECT_FALSE(calls_[0].complete);
  resolver_.answer(AF_INET6, {}, {"fd00::1"});
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_FALSE(calls_[1].ec);
  EXPECT_EQ(calls_[1].addresses, (std::vector<std::string>{"[fd00::1]:80"}));
  EXPECT_TRUE(calls_[1].complete);
}

TEST_F(ResolveIncrementalTest, OtherFamilyWaitsForTheResolutionDelayThenGoesAlone) {
  setenv("AE_PROTOCOLS", "ipv6,ipv4", 1);
  Guard g = start();
  resolver_.answer(AF_INET, {}, {"10.0.0.1"});
  EXPECT_TRUE(calls_.empty()) << "the IPv4 address did not wait for the preferred IPv6 answer";
  called_.recv();  // the resolution delay ran out
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].addresses, (std::vector<std::string>{"10.0.0.1:80"}));
  EXPECT_FALSE(calls_[0].complete);
  EXPECT_TRUE(resolver_.asked(AF_INET6));
  resolver_.answer(AF_INET6, ResolveError::kTimedOut);
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_FALSE(calls_[1].ec) << "addresses were given, so the timeout is no failure";
  EXPECT_TRUE(calls_[1].addresses.empty());
  EXPECT_TRUE(calls_[1].complete);
}

TEST_F(ResolveIncrementalTest, PreferredAnswerWithinTheDelayGoesOutWithTheOther) {
  setenv("AE_PROTOCOLS", "ipv6,ipv4", 1);
  Guard g = start();
  resolver_.answer(AF_INET, {}, {"10.0.0.1"});
  resolver_.answer(AF_INET6, {}, {"fd00::1"});
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].addresses, (std::vector<std::string>{"[fd00::1]:80", "10.0.0.1:80"}));
  EXPECT_TRUE(calls_[0].complete);
}

TEST_F(ResolveIncrementalTest, NoAddressAtAllGivesTheError) {
  Guard g = start();
  resolver_.answer(AF_INET, ResolveError::kTimedOut);
  EXPECT_TRUE(calls_.empty());
  resolver_.answer(AF_INET6, ResolveError::kHostNotFound);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].ec, ResolveError::kHostNotFound);
  EXPECT_TRUE(calls_[0].complete);
}

TEST_F(ResolveIncrementalTest, CancellingInsideACallbackEndsTheLookup) {
  Guard g;
  g = resolve_sockaddr_incremental(resolver_, "dual.test", "80", {},
                                   [&](std::error_code, std::vector<SocketAddress>, bool) {
                                     calls_.push_back({});
                                     g.reset();
                                   });
  CondVar<> asked;
  Timer poll = timer(0.0, 0.001, [&] {
    if (resolver_.asked(AF_INET) && resolver_.asked(AF_INET6)) asked.send();
  });
  asked.recv();
  resolver_.answer(AF_INET, {}, {"10.0.0.1"});
  EXPECT_EQ(calls_.size(), 1u);
  EXPECT_FALSE(resolver_.asked(AF_INET6)) << "the other request outlived the cancel";
}

}  // namespace
}  // namespace ae
