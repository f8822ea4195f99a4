#include "core/result.h"

#include <gtest/gtest.h>

#include <string>
#include <system_error>

namespace ae {
namespace {

TEST(ResultVoidTest, ADefaultResultIsASuccessWithoutAMessage) {
  Result<void> r;
  EXPECT_TRUE(r);
  EXPECT_TRUE(r.has_value());
  EXPECT_FALSE(r.code());
  EXPECT_EQ(r.message(), "");
  EXPECT_NO_THROW(r.value());
}

TEST(ResultVoidTest, AnErrorCarriesItsCodeAndMessage) {
  Result<void> r(std::make_error_code(std::errc::permission_denied), "open /x: denied");
  EXPECT_FALSE(r);
  EXPECT_EQ(r.code(), std::errc::permission_denied);
  EXPECT_EQ(r.message(), "open /x: denied");
  EXPECT_EQ(r.error().message, "open /x: denied");
}

TEST(ResultVoidTest, ValueThrowsTheErrorAsASystemError) {
  Result<void> r = Error{std::make_error_code(std::errc::timed_out), "too slow"};
  try {
    r.value();
    FAIL() << "value() returned on an error";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::timed_out);
    EXPECT_NE(std::string(e.what()).find("too slow"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ae
