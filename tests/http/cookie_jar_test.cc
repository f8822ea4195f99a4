#include "http/cookie_jar.h"

#include <gtest/gtest.h>

namespace ae::http {
namespace {

constexpr double kNow = 1700000000;

TEST(CookieJarTest, ACookieGoesBackToItsHostOnly) {
  CookieJar jar;
  EXPECT_TRUE(jar.set_cookie("http://www.example.org/", "sid=abc", kNow));
  EXPECT_EQ(jar.cookie_header("http://www.example.org/x", kNow), "sid=abc");
  EXPECT_EQ(jar.cookie_header("http://example.org/", kNow), "");
  EXPECT_EQ(jar.cookie_header("http://sub.www.example.org/", kNow), "");
  ASSERT_EQ(jar.cookies().size(), 1u);
  EXPECT_TRUE(jar.cookies()[0].host_only);
}

TEST(CookieJarTest, ADomainCookieReachesTheDomainAndItsSubdomains) {
  CookieJar jar;
  EXPECT_TRUE(jar.set_cookie("http://www.example.org/", "d=1; Domain=.Example.org", kNow));
  EXPECT_EQ(jar.cookie_header("http://example.org/", kNow), "d=1");
  EXPECT_EQ(jar.cookie_header("http://a.b.example.org/", kNow), "d=1");
  EXPECT_EQ(jar.cookie_header("http://badexample.org/", kNow), "");
}

TEST(CookieJarTest, AServerCannotSetCookiesForOtherDomains) {
  CookieJar jar;
  EXPECT_FALSE(jar.set_cookie("http://evil.test/", "x=1; Domain=example.org", kNow));
  EXPECT_FALSE(jar.set_cookie("http://www.example.org/", "x=1; Domain=other.example.org", kNow));
  EXPECT_FALSE(jar.set_cookie("http://www.example.org/", "x=1; Domain=org", kNow));
  EXPECT_FALSE(jar.set_cookie("http://127.0.0.1/", "x=1; Domain=0.0.1", kNow));
  EXPECT_TRUE(jar.set_cookie("http://127.0.0.1/", "x=1; Domain=127.0.0.1", kNow));
  EXPECT_FALSE(jar.set_cookie("http://www.example.org/", "x=1; Domain=example.org.", kNow));
  EXPECT_EQ(jar.cookies().size(), 1u);
}

TEST(CookieJarTest, NoCookieForAPublicSuffixButSuchAHostKeepsItsOwn) {
  CookieJar jar;
  EXPECT_FALSE(jar.set_cookie("http://shop.example.co.uk/", "x=1; Domain=co.uk", kNow));
  EXPECT_FALSE(jar.set_cookie("http://me.github.io/", "x=1; Domain=github.io", kNow));
  EXPECT_FALSE(jar.set_cookie("http://www.example.org/", "x=1; Domain=org", kNow));
  EXPECT_TRUE(jar.set_cookie("http://shop.example.co.uk/", "y=1; Domain=example.co.uk", kNow));
  // A host that is a public suffix itself may set one, for itself only (RFC 6265 §5.3 step 5).
  EXPECT_TRUE(jar.set_cookie("http://co.uk/", "h=1; Domain=co.uk", kNow));
  EXPECT_EQ(jar.cookie_header("http://co.uk/", kNow), "h=1");
  EXPECT_EQ(jar.cookie_header("http://other.co.uk/", kNow), "");
  EXPECT_EQ(jar.cookie_header("http://www.shop.example.co.uk/", kNow), "y=1");
  EXPECT_EQ(jar.cookies().size(), 2u);
}

TEST(CookieJarTest, PathsDefaultToTheDirectoryAndMatchAtSlashes) {
  CookieJar jar;
  jar.set_cookie("http://h/docs/page.html", "a=1", kNow);
  jar.set_cookie("http://h/x", "b=2; Path=/docs/api", kNow);
  EXPECT_EQ(jar.cookie_header("http://h/docs", kNow), "a=1");
  EXPECT_EQ(jar.cookie_header("http://h/docs/other", kNow), "a=1");
  EXPECT_EQ(jar.cookie_header("http://h/docsx", kNow), "");
  EXPECT_EQ(jar.cookie_header("http://h/docs/api/v1?q", kNow), "b=2; a=1");  // longest path first
  EXPECT_EQ(jar.cookie_header("http://h/docs/apiv1", kNow), "a=1");
}

TEST(CookieJarTest, SecureCookiesNeedHttpsBothWays) {
  CookieJar jar;
  EXPECT_FALSE(jar.set_cookie("http://h/", "s=1; Secure", kNow));
  EXPECT_TRUE(jar.set_cookie("https://h/", "s=1; Secure; HttpOnly", kNow));
  EXPECT_EQ(jar.cookie_header("http://h/", kNow), "");
  EXPECT_EQ(jar.cookie_header("https://h/", kNow), "s=1");
  EXPECT_TRUE(jar.cookies()[0].http_only);
}

TEST(CookieJarTest, ExpiryFollowsMaxAgeThenExpiresCorrectedByTheServersClock) {
  CookieJar jar;
  jar.set_cookie("http://h/", "m=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT", kNow);
  EXPECT_EQ(jar.cookie_header("http://h/", kNow + 59), "m=1");
  EXPECT_EQ(jar.cookie_header("http://h/", kNow + 61), "");
  EXPECT_TRUE(jar.cookies().empty());
  // The server's clock is a day behind: its Expires one hour ahead means one hour from now.
  double server_now = kNow - 86400;
  jar.set_cookie("http://h/", "e=1; Expires=Mon, 13 Nov 2023 23:13:20 GMT", kNow, server_now);
  ASSERT_EQ(jar.cookies().size(), 1u);
  EXPECT_DOUBLE_EQ(*jar.cookies()[0].expires, kNow + 3600);
}

TEST(CookieJarTest, AnExpiryInThePastDeletesTheCookie) {
  CookieJar jar;
  jar.set_cookie("http://h/", "a=1", kNow);
  EXPECT_TRUE(jar.set_cookie("http://h/", "a=gone; Max-Age=0", kNow));
  EXPECT_TRUE(jar.cookies().empty());
}

TEST(CookieJarTest, ALaterCookieReplacesTheSameNameDomainAndPath) {
  CookieJar jar;
  jar.set_cookie("http://h/", "a=1", kNow);
  jar.set_cookie("http://h/", "a=2", kNow + 1);
  jar.set_cookie("http://h/", "a=3; Path=/sub", kNow + 2);
  EXPECT_EQ(jar.cookies().size(), 2u);
  EXPECT_EQ(jar.cookie_header("http://h/", kNow + 3), "a=2");
}

TEST(CookieJarTest, SessionCookiesEndWithTheSession) {
  CookieJar jar;
  jar.set_cookie("http://h/", "s=1", kNow);
  jar.set_cookie("http://h/", "p=1; Max-Age=1000", kNow);
  jar.expire(kNow);
  EXPECT_EQ(jar.cookies().size(), 2u);
  jar.expire(kNow, /*session_end=*/true);
  ASSERT_EQ(jar.cookies().size(), 1u);
  EXPECT_EQ(jar.cookies()[0].name, "p");
}

TEST(CookieJarTest, MalformedAndOversizedCookiesAreIgnored) {
  CookieJar jar;
  EXPECT_FALSE(jar.set_cookie("http://h/", "novalue", kNow));
  EXPECT_FALSE(jar.set_cookie("http://h/", "=empty-name", kNow));
  EXPECT_FALSE(jar.set_cookie("http://h/", "a=" + std::string(5000, 'x'), kNow));
  EXPECT_FALSE(jar.set_cookie("http://h/", std::string("a=b\x01"), kNow));
  EXPECT_FALSE(jar.set_cookie("not a url", "a=1", kNow));
  EXPECT_TRUE(jar.set_cookie("http://h/", "q=\"quoted value\"; unknown; =x", kNow));
  EXPECT_EQ(jar.cookie_header("http://h/", kNow), "q=\"quoted value\"");
}

TEST(CookieJarTest, StoreTakesEverySetCookieOfAResponse) {
  CookieJar jar;
  Headers h{{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2; Expires=Wed, 09-Jun-2100 10:18:14 GMT"}};
  jar.store("http://h/", h, kNow);
  EXPECT_EQ(jar.cookie_header("http://h/", kNow), "a=1; b=2");
}

TEST(CookieJarTest, ADomainKeepsAtMostFiftyCookies) {
  CookieJar jar;
  for (int i = 0; i < 60; ++i) {
    jar.set_cookie("http://h/", "c" + std::to_string(i) + "=1", kNow + i);
  }
  EXPECT_EQ(jar.cookies().size(), CookieJar::kMaxPerDomain);
  EXPECT_EQ(jar.cookies().front().name, "c10");
}

}  // namespace
}  // namespace ae::http
