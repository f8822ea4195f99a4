// AE_STALL_MS, read at program start, sets the threshold and turns metrics on; AE_DEBUG_METRICS
// is set to a malformed value here, which is ignored.
#include <chrono>

#include "debug/metrics.h"
#include "gtest/gtest.h"

namespace {

TEST(MetricsEnvironmentTest, StallMsSetsTheThresholdAndTurnsMetricsOn) {
  EXPECT_EQ(ae::debug::stall_threshold(), std::chrono::milliseconds(250));
  EXPECT_TRUE(ae::debug::metrics_enabled());
  EXPECT_NE(ae::debug_hooks(), nullptr);
}

}  // namespace
