// The conformance fixture: every test runs on every backend variant, with the variant's loop
// current, and ends by proving that no watcher was left behind.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "core/condvar.h"
#include "core/loop.h"
#include "tests/support/backends.h"

namespace ae::testing {

using namespace std::chrono_literals;

class Conformance : public ::testing::TestWithParam<BackendVariant> {
 protected:
  Conformance() : test_loop_(GetParam()), scope_(test_loop_.loop()) {}

  void TearDown() override {
    EXPECT_EQ(loop().active_watchers(), 0u) << "a watcher outlived its test";
  }

  Loop& loop() { return test_loop_.loop(); }

 private:
  TestLoop test_loop_;
  Loop::Scope scope_;
};

// How long a test waits for an event before failing (never reached when things work).
inline constexpr Seconds kPatience = 10s;

}  // namespace ae::testing

#define AE_CONFORMANCE_SUITE(Suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(AllBackends, Suite,                                         \
                           ::testing::ValuesIn(::ae::testing::all_backend_variants()), \
                           ::ae::testing::variant_name)
