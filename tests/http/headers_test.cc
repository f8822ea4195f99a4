#include "http/headers.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ae::http {
namespace {

TEST(HeadersTest, NamesCompareCaseInsensitivelyAndKeepTheirSpelling) {
  Headers h;
  h.add("Content-Type", "text/plain");
  EXPECT_TRUE(h.contains("content-type"));
  EXPECT_EQ(h.get("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(h.begin()->name, "Content-Type");
  EXPECT_FALSE(h.get("Content-Length").has_value());
  EXPECT_EQ(h.value("Content-Length"), "");
}

TEST(HeadersTest, RepeatedNamesKeepEveryValueInOrder) {
  Headers h{{"Set-Cookie", "a=1"}, {"Via", "x"}, {"set-cookie", "b=2, c"}};
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.get("Set-Cookie"), "a=1");
  EXPECT_EQ(h.get_all("SET-COOKIE"), (std::vector<std::string_view>{"a=1", "b=2, c"}));
  EXPECT_EQ(h.joined("set-cookie"), "a=1, b=2, c");
  EXPECT_EQ(h.joined("missing"), "");
}

TEST(HeadersTest, SetReplacesEveryFieldOfTheNameWhereTheFirstWas) {
  Headers h{{"A", "1"}, {"B", "2"}, {"a", "3"}, {"C", "4"}};
  h.set("a", "new");
  std::string wire;
  h.append_to(wire);
  EXPECT_EQ(wire, "a: new\r\nB: 2\r\nC: 4\r\n");
  h.set("D", "5");
  EXPECT_EQ(h.get("d"), "5");
  EXPECT_EQ(h.size(), 4u);
}

TEST(HeadersTest, EraseRemovesEveryFieldOfTheName) {
  Headers h{{"A", "1"}, {"B", "2"}, {"a", "3"}};
  EXPECT_EQ(h.erase("A"), 2u);
  EXPECT_EQ(h.erase("A"), 0u);
  EXPECT_EQ(h.size(), 1u);
}

TEST(HeadersTest, HasTokenFindsAnElementOfACommaSeparatedList) {
  Headers h{{"Connection", "keep-alive, Upgrade"}, {"Transfer-Encoding", "gzip ,  CHUNKED"}};
  h.add("Accept-Encoding", "gzip;q=1.0, br");
  EXPECT_TRUE(h.has_token("connection", "upgrade"));
  EXPECT_TRUE(h.has_token("Connection", "Keep-Alive"));
  EXPECT_FALSE(h.has_token("Connection", "close"));
  EXPECT_TRUE(h.has_token("Transfer-Encoding", "chunked"));
  EXPECT_TRUE(h.has_token("Accept-Encoding", "gzip"));
  EXPECT_FALSE(h.has_token("Accept-Encoding", "deflate"));
  EXPECT_FALSE(h.has_token("Missing", "x"));
}

TEST(HeadersTest, RefusesNamesThatAreNotTokensAndValuesThatCouldSplitTheMessage) {
  Headers h;
  EXPECT_THROW(h.add("", "x"), std::invalid_argument);
  EXPECT_THROW(h.add("Bad Name", "x"), std::invalid_argument);
  EXPECT_THROW(h.add("Bad:Name", "x"), std::invalid_argument);
  EXPECT_THROW(h.add("X", "a\r\nInjected: yes"), std::invalid_argument);
  EXPECT_THROW(h.set("X", std::string("a\0b", 3)), std::invalid_argument);
  EXPECT_THROW(h.add("X", "a\nb"), std::invalid_argument);
  EXPECT_TRUE(h.empty());
  h.add("X-Ok", "tabs\tand \x80 bytes");
  EXPECT_EQ(h.size(), 1u);
}

TEST(HeadersTest, IequalsComparesAsciiOnly) {
  EXPECT_TRUE(iequals("HTTPS", "https"));
  EXPECT_FALSE(iequals("http", "https"));
  EXPECT_FALSE(iequals("\xc0", "\xe0"));
}

}  // namespace
}  // namespace ae::http
