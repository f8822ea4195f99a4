// //core's log hook: linking //log routes core_log() into the context it names.

#include <string>

#include "core/log_hook.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/log.h"
#include "tests/log/log_test_support.h"

namespace ae::log {
namespace {

using ae::log_test::LogTest;
using ae::log_test::Recorder;
using ::testing::ElementsAre;

class CoreHookTest : public LogTest {};

TEST_F(CoreHookTest, CoreMessagesArriveInTheirNamedContext) {
  Recorder rec;
  ctx("ae::core").log_cb(rec.callback(/*consume=*/true));
  ae::core_log(ae::LogLevel::kWarn, "ae::core", "signal could not be installed");
  auto records = rec.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].context, "ae::core");
  EXPECT_EQ(records[0].level, 5);
  EXPECT_EQ(records[0].text, "signal could not be installed");
}

TEST_F(CoreHookTest, CoreAsksOurFiltersWhetherToLog) {
  EXPECT_TRUE(ae::core_log_enabled(ae::LogLevel::kError));
  EXPECT_FALSE(ae::core_log_enabled(ae::LogLevel::kWarn)) << "default filter is error";
  filter_context().level("warn");
  EXPECT_TRUE(ae::core_log_enabled(ae::LogLevel::kWarn));
  ctx("ae").level(Level::off());
  EXPECT_FALSE(ae::core_log_enabled(ae::LogLevel::kError)) << "ae::core -> ae is closed";
}

TEST_F(CoreHookTest, OtherPackagesContextsWork) {
  Recorder rec;
  ctx("ae").log_cb(rec.callback(true));
  ae::core_log(ae::LogLevel::kError, "ae::handle", "one");
  ae::core_log(ae::LogLevel::kInfo, "ae::dns", "two");
  EXPECT_THAT(rec.texts(), ElementsAre("one", "two"));
}

}  // namespace
}  // namespace ae::log
