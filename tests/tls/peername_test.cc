// Peer-name verification (AnyEvent::TLS's verify_peername schemes, match_cn, verify_hostname)
// on names and on certificates from the test PKI.
#include "tls/peername.h"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "tests/tls/support/pki.h"
#include "tls/context.h"
#include "tls/error.h"

namespace ae::testing {
namespace {

using tls::CheckCn;
using tls::match_name;
using tls::Wildcards;

tls::Certificate cert_of(const Issued& issued) {
  return *tls::Certificate::from_pem(issued.cert_pem);
}

TEST(PeerNameTest, ExactNamesMatchWithoutRegardToCaseOrATrailingDot) {
  EXPECT_TRUE(match_name("www.example.org", "WWW.Example.ORG", Wildcards::kNone));
  EXPECT_TRUE(match_name("www.example.org.", "www.example.org", Wildcards::kNone));
  EXPECT_TRUE(match_name("www.example.org", "\x01www.example.org\x1f", Wildcards::kNone));
  EXPECT_FALSE(match_name("www.example.org", "example.org", Wildcards::kNone));
  EXPECT_FALSE(match_name("", "", Wildcards::kNone));
}

TEST(PeerNameTest, ALeftmostWildcardStandsForExactlyOneLabel) {
  EXPECT_TRUE(match_name("*.example.org", "www.example.org", Wildcards::kLeftmostLabel));
  EXPECT_FALSE(match_name("*.example.org", "a.b.example.org", Wildcards::kLeftmostLabel));
  EXPECT_FALSE(match_name("*.example.org", "example.org", Wildcards::kLeftmostLabel));
  EXPECT_FALSE(match_name("*.example.org", ".example.org", Wildcards::kLeftmostLabel));
  EXPECT_FALSE(match_name("w*.example.org", "www.example.org", Wildcards::kLeftmostLabel));
}

TEST(PeerNameTest, AWildcardInsideTheFirstLabelNeedsInFirstLabelRules) {
  EXPECT_TRUE(match_name("www*.example.org", "www2.example.org", Wildcards::kInFirstLabel));
  EXPECT_TRUE(match_name("www*.example.org", "www.example.org", Wildcards::kInFirstLabel));
  EXPECT_TRUE(match_name("*.example.org", "x.example.org", Wildcards::kInFirstLabel));
  EXPECT_FALSE(match_name("www*.example.org", "wwx.example.org", Wildcards::kInFirstLabel));
  EXPECT_FALSE(match_name("www*.example.org", "www.a.example.org", Wildcards::kInFirstLabel));
}

TEST(PeerNameTest, AStarAloneOrOutsideTheFirstLabelIsNeverAWildcard) {
  for (Wildcards w : {Wildcards::kLeftmostLabel, Wildcards::kInFirstLabel}) {
    EXPECT_FALSE(match_name("*", "localhost", w));
    EXPECT_FALSE(match_name("www.*.org", "www.example.org", w));
    EXPECT_FALSE(match_name("*.", "a.", w));
  }
  EXPECT_FALSE(match_name("*.example.org", "www.example.org", Wildcards::kNone));
  EXPECT_TRUE(match_name("*.example.org", "*.example.org", Wildcards::kNone));
}

TEST(PeerNameTest, TheSchemeTableHasAnyEventsNames) {
  for (const char* name : {"ldap", "ldaps", "rfc4513", "pop3", "pop3s", "imap", "imaps", "acap",
                           "rfc2595", "nntp", "nntps", "rfc4642"}) {
    auto r = tls::peername_scheme(name);
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->alt_wildcards, Wildcards::kLeftmostLabel) << name;
    EXPECT_EQ(r->check_cn, CheckCn::kAlways) << name;
  }
  for (const char* name :
       {"http", "https", "rfc2818", "xmpp", "rfc3920", "ftp", "ftps", "rfc4217"}) {
    auto r = tls::peername_scheme(name);
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->alt_wildcards, Wildcards::kInFirstLabel) << name;
    EXPECT_EQ(r->check_cn, CheckCn::kWithoutDnsSan) << name;
  }
  for (const char* name : {"smtp", "smtps", "rfc3207"}) {
    auto r = tls::peername_scheme(name);
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->alt_wildcards, Wildcards::kNone) << name;
  }
  EXPECT_FALSE(tls::peername_scheme("none"));
  EXPECT_TRUE(tls::is_peername_scheme("none"));
  EXPECT_FALSE(tls::is_peername_scheme("bogus"));
}

TEST(PeerNameTest, AnUnknownSchemeFailsClosed) {
  EXPECT_THROW(tls::PeerNameCheck("bogus"), std::invalid_argument);
  EXPECT_FALSE(tls::PeerNameCheck("none").enabled());
  EXPECT_TRUE(tls::PeerNameCheck("smtp").enabled());
}

TEST(PeerNameTest, WildcardCertificatesFollowTheScheme) {
  tls::Certificate wild = cert_of(pki().wildcard);
  auto https = *tls::peername_scheme("https");
  auto smtp = *tls::peername_scheme("smtp");
  EXPECT_TRUE(tls::verify_peername(wild, "a.wild.test", https));
  EXPECT_FALSE(tls::verify_peername(wild, "wild.test", https));
  EXPECT_FALSE(tls::verify_peername(wild, "a.b.wild.test", https));
  EXPECT_FALSE(tls::verify_peername(wild, "a.wild.test", smtp)) << "smtp allows no wildcards";
}

TEST(PeerNameTest, TheCommonNameCountsAsTheSchemeSays) {
  Pki local(std::string(std::getenv("TEST_TMPDIR")) + "/cn-pki");
  tls::Certificate both =
      cert_of(local.issue("both", {.cn = "cn.test", .dns = {"san.test"}}, nullptr));
  tls::Certificate cn_only = cert_of(local.issue("cn_only", {.cn = "cn.test"}, nullptr));
  auto https = *tls::peername_scheme("https");
  auto ldap = *tls::peername_scheme("ldap");
  EXPECT_TRUE(tls::verify_peername(both, "san.test", https));
  EXPECT_FALSE(tls::verify_peername(both, "cn.test", https)) << "https: no CN when there is a SAN";
  EXPECT_TRUE(tls::verify_peername(both, "cn.test", ldap)) << "ldap: the CN always counts";
  EXPECT_TRUE(tls::verify_peername(cn_only, "cn.test", https));
  tls::PeerNameRules never{.check_cn = CheckCn::kNever};
  EXPECT_FALSE(tls::verify_peername(cn_only, "cn.test", never));
}

TEST(PeerNameTest, AnAddressMatchesOnlyAnIpAltName) {
  tls::Certificate server = cert_of(pki().server);
  auto https = *tls::peername_scheme("https");
  EXPECT_TRUE(tls::verify_peername(server, "127.0.0.1", https));
  EXPECT_TRUE(tls::verify_peername(server, "::1", https));
  EXPECT_TRUE(tls::verify_peername(server, "[::1]", https));
  EXPECT_TRUE(tls::verify_peername(server, "0:0:0:0:0:0:0:1", https));
  EXPECT_FALSE(tls::verify_peername(server, "127.0.0.2", https));
  EXPECT_TRUE(tls::verify_peername(server, "localhost", https));
  EXPECT_FALSE(tls::verify_peername(tls::Certificate(), "localhost", https));
}

TEST(CertificateTest, AccessorsDescribeTheCertificate) {
  tls::Certificate c = cert_of(pki().server);
  EXPECT_EQ(c.subject(), "CN=localhost,O=ae tests");
  EXPECT_EQ(c.issuer(), "CN=ae test CA,O=ae tests");
  EXPECT_EQ(c.certname(), c.issuer() + " / " + c.subject());
  EXPECT_EQ(c.common_name(), "localhost");
  EXPECT_EQ(c.dns_names(), std::vector<std::string>{"localhost"});
  EXPECT_EQ(c.ip_addresses(), (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_LT(c.not_before(), c.not_after());
  EXPECT_FALSE(c.serial().empty());
  EXPECT_EQ(c.sha256_fingerprint().size(), 32u * 3 - 1);
  EXPECT_EQ(c.pem(), pki().server.cert_pem);
  tls::Certificate copy = c;
  EXPECT_EQ(copy.native(), c.native());
}

TEST(CertificateTest, FromPemRejectsGarbageWithAReason) {
  Result<tls::Certificate> bad = tls::Certificate::from_pem("not a certificate");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.code(), tls::Error::kCertificateInvalid);
  EXPECT_NE(bad.message().find("PEM"), std::string::npos) << bad.message();
  EXPECT_FALSE(tls::Certificate());
  EXPECT_EQ(tls::Certificate().subject(), "");
}

}  // namespace
}  // namespace ae::testing
