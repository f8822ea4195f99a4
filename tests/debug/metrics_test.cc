#include "debug/metrics.h"

#include <chrono>
#include <string>
#include <thread>

#include "core/core.h"
#include "debug/wrap.h"
#include "gtest/gtest.h"
#include "tests/debug/debug_test_util.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace {

using namespace std::chrono_literals;
using ae::testing::run_until;

// A callback that holds its loop for `d` (the behaviour under test, not a wait for an event).
void hold_the_loop(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

class MetricsTest : public ae::testing::LoopTest {
 protected:
  void SetUp() override {
    ae::debug::metrics(true);
    ae::debug::stall_threshold(100ms);
  }
  void TearDown() override {
    ae::debug::metrics(false);
    ae::debug::wrap(0);
  }

  // The id of the one live watcher made at `line` of this file.
  static std::uint64_t id_at(unsigned line) {
    for (const ae::debug::WatcherInfo& w : ae::debug::watchers("metrics_test.cc")) {
      if (w.line == line) return w.id;
    }
    return 0;
  }
  static std::string site(unsigned line) {
    return "tests/debug/metrics_test.cc:" + std::to_string(line);
  }

  ae::debug_test::DebugLines log_;
};

TEST_P(MetricsTest, ASlowCallbackIsReportedAndAQuickOneIsNot) {
  bool slow_done = false, quick_done = false;
  std::chrono::steady_clock::duration quick_took{};
  const unsigned slow_line = __LINE__ + 1;
  ae::Timer slow = ae::timer(0, [&] {
    hold_the_loop(200ms);
    slow_done = true;
  });
  const unsigned quick_line = __LINE__ + 1;
  ae::Timer quick = ae::timer(0.001, [&] {
    auto start = std::chrono::steady_clock::now();
    hold_the_loop(10ms);
    quick_took = std::chrono::steady_clock::now() - start;
    quick_done = true;
  });
  std::uint64_t slow_id = id_at(slow_line), quick_id = id_at(quick_line);
  ASSERT_NE(slow_id, 0u);
  ASSERT_NE(quick_id, 0u);
  ASSERT_TRUE(run_until([&] { return slow_done && quick_done; }));

  std::string slow_who = "#" + std::to_string(slow_id) + " timer " + site(slow_line);
  EXPECT_EQ(log_.count("warn: stall: callback of " + slow_who + " ran "), 1u) << log_.count("");
  EXPECT_EQ(log_.count("(threshold 100.000 ms); made in "), log_.count("warn: stall: "));
  // The quick one is a stall only if the machine held it past the threshold.
  std::size_t expected_quick = quick_took > 100ms ? 1 : 0;
  EXPECT_EQ(log_.count("stall: callback of #" + std::to_string(quick_id) + " "), expected_quick);

  ae::debug::LoopMetrics m = ae::debug::loop_metrics(loop());
  EXPECT_EQ(m.stalls, 1u + expected_quick);
  EXPECT_GE(m.longest_callback_seconds, 0.2);
  EXPECT_EQ(m.longest_callback, slow_who);
  EXPECT_GE(m.callback_seconds, 0.21);
}

TEST_P(MetricsTest, WrapLevelTwoAddsTheCreationBacktrace) {
  ae::debug::wrap(2);
  bool done = false;
  ae::Timer slow = ae::timer(0, [&] {
    hold_the_loop(150ms);
    done = true;
  });
  ASSERT_TRUE(run_until([&] { return done; }));
  EXPECT_EQ(log_.count("; creation backtrace:\n  "), 1u);
}

TEST_P(MetricsTest, TheThresholdIsSettable) {
  ae::debug::stall_threshold(20ms);
  EXPECT_EQ(ae::debug::stall_threshold(), 20ms);
  bool done = false;
  ae::Timer t = ae::timer(0, [&] {
    hold_the_loop(30ms);
    done = true;
  });
  ASSERT_TRUE(run_until([&] { return done; }));
  EXPECT_EQ(log_.count("(threshold 20.000 ms)"), 1u);
  EXPECT_THROW(ae::debug::stall_threshold(0ms), std::invalid_argument);
}

TEST_P(MetricsTest, OnlyACallbacksOwnTimeCounts) {
  // The outer callback waits in a nested recv() while an inner callback holds the loop: the
  // inner one stalls, the outer one does not.
  bool done = false;
  const unsigned outer_line = __LINE__ + 1;
  ae::Timer outer = ae::timer(0, [&] {
    ae::CondVar<> inner_done;
    ae::Timer inner = ae::timer(0, [&] {
      hold_the_loop(200ms);
      inner_done.send();
    });
    inner_done.recv();
    done = true;
  });
  std::uint64_t outer_id = id_at(outer_line);
  ASSERT_TRUE(run_until([&] { return done; }));
  EXPECT_EQ(log_.count("warn: stall: "), 1u);
  EXPECT_EQ(log_.count("stall: callback of #" + std::to_string(outer_id) + " "), 0u);
}

TEST_P(MetricsTest, CountsCallbacksTimersLagAndWatchers) {
  ae::debug::LoopMetrics before = ae::debug::loop_metrics(loop());
  EXPECT_EQ(before.model, GetParam());
  constexpr int kFirings = 5;
  int fired = 0;
  ae::Timer repeating = ae::timer(0, 0.001, [&] { ++fired; });
  ae::Timer other = ae::timer(60, [] {});
  ae::Idle idle;
  ae::Periodic nightly = ae::periodic(3 * 3600, 86400, [] {});
  ae::Check check = ae::check([] {});
  ae::debug::LoopMetrics live = ae::debug::loop_metrics(loop());
  EXPECT_EQ(live.watchers[static_cast<std::size_t>(ae::WatcherType::kTimer)], 2u);
  EXPECT_EQ(live.watchers[static_cast<std::size_t>(ae::WatcherType::kIo)], 0u);
  EXPECT_EQ(live.watchers[static_cast<std::size_t>(ae::WatcherType::kPeriodic)], 1u);
  EXPECT_EQ(live.watchers[static_cast<std::size_t>(ae::WatcherType::kCheck)], 1u);
  nightly.reset();
  check.reset();
  ASSERT_TRUE(run_until([&] { return fired >= kFirings; }));
  repeating.reset();
  other.reset();

  // A timer due while a callback holds the loop fires late by most of the hold.
  bool held = false, late_fired = false;
  ae::Timer hold = ae::timer(0, [&] {
    hold_the_loop(200ms);
    held = true;
  });
  ae::Timer late = ae::timer(0.05, [&] { late_fired = true; });
  ASSERT_TRUE(run_until([&] { return held && late_fired; }));

  ae::debug::LoopMetrics m = ae::debug::loop_metrics(loop());
  EXPECT_GE(m.callbacks - before.callbacks, static_cast<std::uint64_t>(kFirings + 2));
  EXPECT_GE(m.timers_due - before.timers_due, static_cast<std::uint64_t>(kFirings + 2));
  EXPECT_GE(m.iterations - before.iterations, static_cast<std::uint64_t>(kFirings));
  EXPECT_GE(m.max_timer_lag_seconds, 0.1);
  EXPECT_GE(m.timer_lag_seconds, m.max_timer_lag_seconds);
  EXPECT_GE(m.callback_seconds, 0.2);
  EXPECT_GT(m.wait_seconds, 0.0) << "the 1 ms interval leaves the loop waiting";
  EXPECT_EQ(m.watchers[static_cast<std::size_t>(ae::WatcherType::kTimer)], 2u);
  hold.reset();
  late.reset();
  EXPECT_EQ(ae::debug::loop_metrics(loop()).watchers[1], 0u);
}

TEST_P(MetricsTest, PrometheusTextCarriesEveryLoop) {
  int fired = 0;
  ae::Timer t = ae::timer(0, 0.001, [&] { ++fired; });
  ASSERT_TRUE(run_until([&] { return fired >= 3; }));
  ae::debug::LoopMetrics m = ae::debug::loop_metrics(loop());
  std::string text = ae::debug::prometheus_text();
  std::string labels = "{loop=\"" + std::to_string(m.loop) + "\",model=\"" + GetParam() + "\"}";
  for (const char* family :
       {"ae_loop_iterations_total", "ae_loop_callbacks_total", "ae_loop_callback_seconds_total",
        "ae_loop_wait_seconds_total", "ae_loop_longest_callback_seconds",
        "ae_loop_timers_due_total", "ae_loop_timer_lag_seconds_total",
        "ae_loop_timer_lag_max_seconds", "ae_loop_stalls_total"}) {
    EXPECT_NE(text.find("# TYPE " + std::string(family) + " "), std::string::npos) << family;
    EXPECT_NE(text.find(std::string(family) + labels + " "), std::string::npos) << family;
  }
  std::string timers = "ae_loop_watchers{loop=\"" + std::to_string(m.loop) + "\",model=\"" +
                       GetParam() + "\",type=\"timer\"} 1\n";
  EXPECT_NE(text.find(timers), std::string::npos) << text;
  std::size_t at = text.find("ae_loop_callbacks_total" + labels + " ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GE(std::stoull(text.substr(at + std::string("ae_loop_callbacks_total").size() +
                                    labels.size() + 1)),
            3u);

  // A loop on another thread appears too, and goes with its loop.
  std::thread([] {
    ae::Loop other;
    ae::Loop::Scope scope(other);
    ae::CondVar<> done;
    ae::Timer t = ae::timer(0, [&] { done.send(); });
    done.recv();
    EXPECT_EQ(ae::debug::all_loop_metrics().size(), 2u);
  }).join();
  EXPECT_EQ(ae::debug::all_loop_metrics().size(), 1u);
}

TEST(MetricsSwitchTest, HooksStayOffWhileEveryFeatureIsOff) {
  EXPECT_FALSE(ae::debug::metrics_enabled());
  EXPECT_EQ(ae::debug_hooks(), nullptr);
  EXPECT_FALSE(ae::debug::metrics(true));
  EXPECT_NE(ae::debug_hooks(), nullptr);
  EXPECT_TRUE(ae::debug::metrics(false));
  EXPECT_EQ(ae::debug_hooks(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Backends, MetricsTest, ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

}  // namespace
