#include "http/internal/url.h"

#include <gtest/gtest.h>

#include "http/error.h"
#include "http/internal/proxy.h"

namespace ae::http_internal {
namespace {

TEST(UrlTest, SplitsAnAbsoluteUrlIntoWhatARequestNeeds) {
  Result<Url> u = parse_url("HTTP://User:p%40ss@Example.ORG:8080/a/b?x=1&y=2#frag");
  ASSERT_TRUE(u) << u.message();
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "example.org");
  EXPECT_EQ(u->port, 8080);
  EXPECT_TRUE(u->explicit_port);
  EXPECT_EQ(u->target, "/a/b?x=1&y=2");
  EXPECT_TRUE(u->has_userinfo);
  EXPECT_EQ(u->user, "User");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->authority(), "example.org:8080");
  EXPECT_EQ(u->text.find('#'), std::string::npos);
}

TEST(UrlTest, DefaultsPortAndPathAndKeepsIpv6Brackets) {
  Result<Url> u = parse_url("https://[::1]");
  ASSERT_TRUE(u) << u.message();
  EXPECT_EQ(u->host, "::1");
  EXPECT_TRUE(u->ipv6);
  EXPECT_EQ(u->port, 443);
  EXPECT_FALSE(u->explicit_port);
  EXPECT_EQ(u->target, "/");
  EXPECT_EQ(u->authority(), "[::1]");
  EXPECT_EQ(u->authority_with_port(), "[::1]:443");
  Result<Url> d = parse_url("http://h:80?q");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->authority(), "h");
  EXPECT_TRUE(d->port_given);
  EXPECT_EQ(d->target, "/?q");
}

TEST(UrlTest, EncodesWhatPeopleTypeButAUrlCannotHold) {
  Result<Url> u = parse_url("http://h/dir with space/caf\xc3\xa9?a=<b>");
  ASSERT_TRUE(u) << u.message();
  EXPECT_EQ(u->target, "/dir%20with%20space/caf%C3%A9?a=%3Cb%3E");
}

TEST(UrlTest, RefusesOtherSchemesAndBrokenUrls) {
  EXPECT_EQ(parse_url("ftp://h/").code(), http::Error::kUnsupportedScheme);
  EXPECT_EQ(parse_url("h/path").code(), http::Error::kBadUrl);
  EXPECT_EQ(parse_url("http:///path").code(), http::Error::kBadUrl);
  EXPECT_EQ(parse_url("http://h:99999/").code(), http::Error::kBadUrl);
  EXPECT_EQ(parse_url("http://h:0/").code(), http::Error::kBadUrl);
  EXPECT_EQ(parse_url("http://h/\r\nX: y").code(), http::Error::kBadUrl);
  EXPECT_EQ(parse_url("").code(), http::Error::kBadUrl);
  EXPECT_EQ(parse_url("http://[::1/").code(), http::Error::kBadUrl);
}

TEST(UrlTest, ResolvesLocationsAsRfc3986Says) {
  const char* base = "http://a/b/c/d;p?q";
  auto r = [&](const char* ref) { return resolve_reference(base, ref).value(); };
  EXPECT_EQ(r("g"), "http://a/b/c/g");
  EXPECT_EQ(r("./g"), "http://a/b/c/g");
  EXPECT_EQ(r("/g"), "http://a/g");
  EXPECT_EQ(r("//g"), "http://g");
  EXPECT_EQ(r("?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(r("../g"), "http://a/b/g");
  EXPECT_EQ(r("../../../g"), "http://a/g");
  EXPECT_EQ(r("https://other:8443/x"), "https://other:8443/x");
  EXPECT_EQ(r(""), "http://a/b/c/d;p?q");
  EXPECT_EQ(resolve_reference("http://h/p303", "final").value(), "http://h/final");
  EXPECT_EQ(resolve_reference(base, "http://[bad").code(), http::Error::kBadLocation);
}

TEST(ProxyTest, ParsesProxySettingsWithCurlsDefaultPort) {
  Result<Proxy> p = parse_proxy("proxy.local");
  ASSERT_TRUE(p) << p.message();
  EXPECT_EQ(p->host, "proxy.local");
  EXPECT_EQ(p->port, 1080);
  EXPECT_EQ(p->text, "http://proxy.local:1080");
  Result<Proxy> q = parse_proxy("http://me:secret@[::1]:3128/");
  ASSERT_TRUE(q) << q.message();
  EXPECT_EQ(q->host, "::1");
  EXPECT_EQ(q->port, 3128);
  EXPECT_EQ(q->authorization, "Basic bWU6c2VjcmV0");
  EXPECT_EQ(parse_proxy("https://p:3128").code(), http::Error::kUnsupportedScheme);
  EXPECT_EQ(parse_proxy("socks5://p:1080").code(), http::Error::kUnsupportedScheme);
}

TEST(ProxyTest, NoProxyMatchesHostsDomainsAndStar) {
  Url u = parse_url("http://www.Example.org/").value();
  EXPECT_TRUE(no_proxy_matches("example.org", u));
  EXPECT_TRUE(no_proxy_matches("localhost, .example.org", u));
  EXPECT_TRUE(no_proxy_matches("*", u));
  EXPECT_FALSE(no_proxy_matches("ample.org", u));
  EXPECT_FALSE(no_proxy_matches("", u));
  Url v6 = parse_url("http://[::1]:80/").value();
  EXPECT_TRUE(no_proxy_matches("[::1]", v6));
  EXPECT_TRUE(no_proxy_matches("::1", v6));
}

TEST(ProxyTest, NoProxyMatchesAddressesInNetworksAsCurlDoes) {
  Url v4 = parse_url("http://10.1.2.3:8080/").value();
  EXPECT_TRUE(no_proxy_matches("localhost,10.0.0.0/8", v4));
  EXPECT_TRUE(no_proxy_matches("10.1.2.0/23", v4));
  EXPECT_TRUE(no_proxy_matches("10.1.2.3/32", v4));
  EXPECT_TRUE(no_proxy_matches("0.0.0.0/0", v4));
  EXPECT_FALSE(no_proxy_matches("10.1.4.0/23", v4));
  EXPECT_FALSE(no_proxy_matches("11.0.0.0/8", v4));
  EXPECT_FALSE(no_proxy_matches("10.0.0.0/33", v4));  // no such prefix length
  EXPECT_FALSE(no_proxy_matches("10.0.0.0/x", v4));
  EXPECT_FALSE(no_proxy_matches("2.3", v4));   // an address is not a domain
  EXPECT_FALSE(no_proxy_matches("::/0", v4));  // another family
  Url v6 = parse_url("http://[fd00::1:2]/").value();
  EXPECT_TRUE(no_proxy_matches("fd00::/8", v6));
  EXPECT_TRUE(no_proxy_matches("[fd00:0:0:0:0:0:1:2]", v6));  // another spelling of the address
  EXPECT_FALSE(no_proxy_matches("fe80::/10", v6));
  Url name = parse_url("http://intranet.example/").value();
  EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", name));
}

TEST(ProxyTest, TheEnvironmentChoosesTheProxyUnlessNoProxySaysOtherwise) {
  ::setenv("http_proxy", "http://127.0.0.1:3128", 1);
  ::setenv("https_proxy", "127.0.0.2:3129", 1);
  ::setenv("no_proxy", "direct.test", 1);
  Url http = parse_url("http://example.test/").value();
  Url https = parse_url("https://example.test/").value();
  Url direct = parse_url("http://direct.test/").value();
  EXPECT_EQ(choose_proxy(http, std::nullopt).value()->text, "http://127.0.0.1:3128");
  EXPECT_EQ(choose_proxy(https, std::nullopt).value()->text, "http://127.0.0.2:3129");
  EXPECT_FALSE(choose_proxy(direct, std::nullopt).value().has_value());
  EXPECT_FALSE(choose_proxy(http, std::string()).value().has_value());  // explicitly none
  EXPECT_EQ(choose_proxy(direct, std::string("p:1")).value()->text, "http://p:1");
  ::unsetenv("http_proxy");
  ::unsetenv("https_proxy");
  ::unsetenv("no_proxy");
  EXPECT_FALSE(choose_proxy(http, std::nullopt).value().has_value());
}

TEST(ProxyTest, BasicAuthorizationIsBase64OfUserColonPassword) {
  EXPECT_EQ(basic_authorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(basic_authorization("a", ""), "Basic YTo=");
}

}  // namespace
}  // namespace ae::http_internal
