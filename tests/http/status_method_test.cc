#include <gtest/gtest.h>

#include "http/error.h"
#include "http/method.h"
#include "http/status.h"

namespace ae::http {
namespace {

TEST(StatusTest, ReasonPhrasesAreRfc9110s) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(308), "Permanent Redirect");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(299), "");
}

TEST(StatusTest, InformationalNoContentAndNotModifiedHaveNoBody) {
  EXPECT_FALSE(status_has_body(100));
  EXPECT_FALSE(status_has_body(101));
  EXPECT_FALSE(status_has_body(204));
  EXPECT_FALSE(status_has_body(304));
  EXPECT_TRUE(status_has_body(200));
  EXPECT_TRUE(status_has_body(404));
}

TEST(MethodTest, IdempotentMethodsAreAnyEventsTable) {
  for (const char* m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "MOVE"}) {
    EXPECT_TRUE(is_idempotent(m)) << m;
  }
  for (const char* m : {"POST", "PATCH", "CONNECT", "get", ""}) EXPECT_FALSE(is_idempotent(m)) << m;
  EXPECT_TRUE(is_safe("HEAD"));
  EXPECT_FALSE(is_safe("PUT"));
}

TEST(HttpErrorTest, CodesHaveMessagesAndGenericConditions) {
  std::error_code ec = Error::kTooManyRedirects;
  EXPECT_EQ(ec.category().name(), std::string("ae.http"));
  EXPECT_EQ(ec.message(), "too many redirections");
  EXPECT_EQ(std::error_code(Error::kAborted), std::errc::operation_canceled);
  EXPECT_EQ(std::error_code(Error::kBadChunk), std::errc::protocol_error);
}

}  // namespace
}  // namespace ae::http
