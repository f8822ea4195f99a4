// The ae-dig example program, run against nsd.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/dns/support/fake_server.h"
#include "tests/dns/support/test_zones.h"

namespace ae::dns_test {
namespace {

struct DigRun {
  int status = -1;
  std::string out;
};

// Runs ae-dig with `args` (stderr folded into the output).
DigRun dig(const std::string& args) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::string bin = std::string(srcdir ? srcdir : ".") + "/ae/examples/ae_dig/ae-dig";
  DigRun r;
  FILE* p = ::popen((bin + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class AeDigTest : public ::testing::Test {
 protected:
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
  DigRun help = dig("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("usage"), std::string::npos);
}

}  // namespace
}  // namespace ae::dns_test
