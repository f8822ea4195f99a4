// The ae-dig example program, run against nsd and dnsmasq on loopback.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/dns/support/fake_server.h"
#include "tests/dns/support/test_zones.h"
#include "tests/support/dnsmasq.h"
#include "tests/support/env.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/process.h"

namespace ae::dns_test {
namespace {

struct DigRun {
  int status = -1;
  std::string out;
};

// Runs ae-dig with `args` (split at spaces; stderr folded into the output).
DigRun dig(const std::string& args) {
  std::vector<std::string> argv = {ae::testing::runfile("examples/ae_dig/ae-dig")};
  std::istringstream words(args);
  for (std::string w; words >> w;) argv.push_back(w);
  ae::testing::Outcome r = ae::testing::run(argv);
  return DigRun{r.exit_code, r.out + r.err};
}

class AeDigTest : public ::testing::Test {
 protected:
  ae::testing::TestLoop loop_;
  void SetUp() override {
    NsdServer* nsd = shared_nsd();
    ASSERT_NE(nsd, nullptr);
    at_ = "@127.0.0.1:" + std::to_string(nsd->port());
  }
  std::string at_;
};

TEST_F(AeDigTest, PrintsRecordsInShortForm) {
  DigRun a = dig("v4only.example.test " + at_);
  EXPECT_EQ(a.status, 0);
  EXPECT_EQ(a.out, "192.0.2.20\n");
  DigRun mx = dig("example.test MX " + at_);
  EXPECT_EQ(mx.status, 0);
  EXPECT_EQ(mx.out, "10 mx1.example.test.\n20 mx2.example.test.\n30 mx3.example.test.\n");
  DigRun txt = dig(at_ + " txt.example.test txt");
  EXPECT_EQ(txt.out, "\"hello world\" \"second string\"\n");
  DigRun soa = dig("example.test SOA " + at_);
  EXPECT_EQ(soa.out, "ns1.example.test. hostmaster.example.test. 2024010101 3600 600 86400 60\n");
  DigRun ptr = dig("-x 2001:db8::10 " + at_);
  EXPECT_EQ(ptr.status, 0);
  EXPECT_EQ(ptr.out, "www.example.test.\n");
}

TEST_F(AeDigTest, FailuresExitWithAClearError) {
  DigRun nx = dig("nonexistent.example.test " + at_);
  EXPECT_EQ(nx.status, 2);
  EXPECT_NE(nx.out.find("NXDOMAIN"), std::string::npos) << nx.out;
  DigRun nodata = dig("v4only.example.test AAAA " + at_);
  EXPECT_EQ(nodata.status, 2);
  DigRun refused = dig("not.served.zone " + at_);  // nsd refuses zones it does not serve
  EXPECT_EQ(refused.status, 3);
  EXPECT_NE(refused.out.find("REFUSED"), std::string::npos) << refused.out;
  DigRun down = dig("www.example.test @" + closed_port().to_string());
  EXPECT_EQ(down.status, 9);
  EXPECT_NE(down.out.find("no DNS server could be reached"), std::string::npos) << down.out;
}

TEST_F(AeDigTest, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(dig("").status, 1);
  EXPECT_EQ(dig("www.example.test NOSUCHTYPE " + at_).status, 1);
  EXPECT_EQ(dig("www.example.test @not-an-address").status, 1);
  EXPECT_EQ(dig("a..b " + at_).status, 1);
  DigRun empty_server = dig("www.example.test A @");
  EXPECT_EQ(empty_server.status, 1);
  EXPECT_NE(empty_server.out.find("no server after @"), std::string::npos) << empty_server.out;
  DigRun bogus = dig("--bogus www.example.test " + at_);
  EXPECT_EQ(bogus.status, 1);
  EXPECT_NE(bogus.out.find("unknown option --bogus"), std::string::npos) << bogus.out;
  EXPECT_EQ(dig("+bogus www.example.test " + at_).status, 1);
  DigRun help = dig("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("usage"), std::string::npos);
}

// dig +short's form against dnsmasq: each name of the CNAME chain, then the addresses.
class AeDigDnsmasqTest : public ::testing::Test {
 protected:
  ae::testing::TestLoop loop_;
  ae::testing::Dnsmasq dns_{
      {"--host-record=www.dig.test,192.0.2.1", "--host-record=db.corp.test,192.0.2.7",
       "--cname=alias.dig.test,middle.dig.test", "--cname=middle.dig.test,www.dig.test"},
      "search corp.test\n"};
};

TEST_F(AeDigDnsmasqTest, ShortPrintsTheCnameChainThenTheAddress) {
  DigRun r = dig("+short alias.dig.test " + dns_.at());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "middle.dig.test.\nwww.dig.test.\n192.0.2.1\n");
  DigRun plain = dig("www.dig.test " + dns_.at());
  EXPECT_EQ(plain.out, "192.0.2.1\n");
  DigRun cname = dig("alias.dig.test CNAME " + dns_.at());
  EXPECT_EQ(cname.out, "middle.dig.test.\n");
}

TEST_F(AeDigDnsmasqTest, SearchUsesTheResolvConfOrTheDomainGiven) {
  ae::testing::ScopedEnv conf("AE_RESOLV_CONF", dns_.resolv_conf);
  DigRun as_given = dig("db");
  EXPECT_NE(as_given.status, 0) << as_given.out;  // "db." is not a name dnsmasq knows
  DigRun from_conf = dig("+search db");
  EXPECT_EQ(from_conf.status, 0) << from_conf.out;
  EXPECT_EQ(from_conf.out, "192.0.2.7\n");
  DigRun from_line = dig("+domain=dig.test www " + dns_.at());
  EXPECT_EQ(from_line.status, 0) << from_line.out;
  EXPECT_EQ(from_line.out, "192.0.2.1\n");
  DigRun nosearch = dig("+search +nosearch db");
  EXPECT_NE(nosearch.status, 0) << nosearch.out;
}

}  // namespace
}  // namespace ae::dns_test
