#include "http/date.h"

#include <gtest/gtest.h>

namespace ae::http {
namespace {

TEST(DateTest, FormatsImfFixdate) {
  EXPECT_EQ(format_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_date(951782400.9), "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(DateTest, ParsesTheThreeHttpFormatsAndCookieDates) {
  EXPECT_EQ(parse_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_date("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(parse_date("Wed, 09-Jun-2021 10:18:14 GMT"), 1623233894);
  EXPECT_EQ(parse_date("09 jun 21 10:18:14"), 1623233894);
  EXPECT_EQ(parse_date("Thu, 01 Jan 2037 00:00:00 GMT"), 2114380800);
  for (double t : {0.0, 951782400.0, 1700000000.0, 4102444799.0}) {
    EXPECT_EQ(parse_date(format_date(t)), t) << format_date(t);
  }
}

TEST(DateTest, RefusesTextWithoutAValidDate) {
  EXPECT_FALSE(parse_date(""));
  EXPECT_FALSE(parse_date("yesterday"));
  EXPECT_FALSE(parse_date("Sun, 06 Nov 1994"));           // no time
  EXPECT_FALSE(parse_date("Sun, 31 Feb 1994 08:49:37"));  // no such day
  EXPECT_FALSE(parse_date("Sun, 06 Nov 1500 08:49:37"));  // before 1601
  EXPECT_FALSE(parse_date("Sun, 06 Nov 1994 25:49:37"));  // no such hour
  EXPECT_FALSE(parse_date("Sun, 06 Foo 1994 08:49:37"));  // no month
  EXPECT_FALSE(parse_date(std::string(100000, '9')));
}

}  // namespace
}  // namespace ae::http
