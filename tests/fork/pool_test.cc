#include "fork/pool.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/task.h"
#include "fork/fork.h"
#include "tests/fork/fork_test_util.h"

namespace {

using ae::Result;
using ae::fork::Fork;
using ae::fork::Json;
using ae::fork::Pool;
using ae::fork::PoolOptions;
using ae::fork::RpcErrc;
using ae::fork_testing::run_until;

// Doubles a number; {"sleep_ms": n} works that long first; "kill", "hang" and "retire" do that.
Json pool_worker(Json req) {
  if (req.is_number()) return req.get<int>() * 2;
  if (req.contains("sleep_ms")) {
    timespec ts{0, req["sleep_ms"].get<long>() * 1000000L};
    ::nanosleep(&ts, nullptr);
    return getpid();
  }
  if (req == "kill") ::raise(SIGKILL);
  if (req == "hang") ::pause();
  if (req == "retire") ae::fork::retire();
  if (req == "pid") return getpid();
  return req;
}
AE_FORK_FUNCTION("pool_test.worker", pool_worker);

Result<Json> call_sync(Pool& pool, Json args, double timeout = 0) {
  std::optional<Result<Json>> out;
  pool.call(
      std::move(args), [&](Result<Json> r) { out = std::move(r); }, timeout);
  EXPECT_TRUE(run_until([&] { return out.has_value(); }));
  return out.value_or(Result<Json>(ae::Error{}));
}

TEST(PoolTest, TenThousandJobsRunThroughFourWorkers) {
  PoolOptions o;
  o.max = 4;
  Pool pool(Fork(), "pool_test.worker", std::move(o));
  const int n = 10000;
  int done = 0;
  long long sum = 0;
  for (int i = 0; i < n; ++i) {
    pool.call(i, [&](Result<Json> r) {
      ASSERT_TRUE(r) << r.message();
      sum += r->get<long long>();
      ++done;
    });
  }
  EXPECT_EQ(pool.queued(), static_cast<std::size_t>(n - 2));  // one worker at once, load 2
  ASSERT_TRUE(run_until([&] { return done == n; }, 120));
  EXPECT_EQ(sum, static_cast<long long>(n) * (n - 1));
  EXPECT_LE(pool.started(), 4u);
  EXPECT_GE(pool.started(), 2u);
}

TEST(PoolTest, ACrashedWorkerIsReplacedAndOnlyItsCallFails) {
  std::vector<ae::Error> errors;
  PoolOptions o;
  o.max = 2;
  o.load = 1;
  o.on_error = [&](const ae::Error& e) { errors.push_back(e); };
  Pool pool(Fork(), "pool_test.worker", std::move(o));
  std::vector<Result<Json>> results;
  pool.call("kill", [&](Result<Json> r) { results.insert(results.begin(), std::move(r)); });
  for (int i = 0; i < 20; ++i) {
    pool.call(i, [&](Result<Json> r) { results.push_back(std::move(r)); });
  }
  ASSERT_TRUE(run_until([&] { return results.size() == 21; }));
  EXPECT_EQ(results[0].code(), RpcErrc::kWorkerDied);
  EXPECT_EQ(results[0].message(), "worker killed by signal 9 (SIGKILL)");
  for (int i = 1; i <= 20; ++i) EXPECT_TRUE(results[i]) << results[i].message();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, results[0].message());
  EXPECT_GE(pool.started(), 2u);
}

TEST(PoolTest, AHungCallTimesOutAndTheWorkerIsReplaced) {
  PoolOptions o;
  o.max = 1;
  o.load = 1;
  Pool pool(Fork(), "pool_test.worker", std::move(o));
  Result<Json> hung = call_sync(pool, "hang", 0.2);
  EXPECT_EQ(hung.code(), std::errc::timed_out);
  Result<Json> after = call_sync(pool, 21);
  ASSERT_TRUE(after) << after.message();
  EXPECT_EQ(*after, 42);
  EXPECT_EQ(pool.started(), 2u);
}

TEST(PoolTest, ADestroyedPoolFinishesItsQueueThenCallsOnDestroy) {
  int answered = 0;
  bool destroyed = false;
  {
    PoolOptions o;
    o.max = 2;
    o.on_destroy = [&] {
      EXPECT_EQ(answered, 100);
      destroyed = true;
    };
    Pool pool(Fork(), "pool_test.worker", std::move(o));
    for (int i = 0; i < 100; ++i) {
      pool.call(Json{{"sleep_ms", 1}}, [&](const Result<Json>& r) {
        EXPECT_TRUE(r) << r.message();
        ++answered;
      });
    }
  }  // destroyed with 100 calls queued or in flight
  ASSERT_TRUE(run_until([&] { return destroyed; }));
}

TEST(PoolTest, IdleWorkersStartAtOnceAndSurplusWorkersStop) {
  PoolOptions o;
  o.max = 4;
  o.idle = 1;
  o.load = 1;
  o.start = 0.01;
  o.stop = 0.05;
  Pool pool(Fork(), "pool_test.worker", std::move(o));
  EXPECT_EQ(pool.workers(), 1u);
  int done = 0;
  for (int i = 0; i < 40; ++i) {
    pool.call(Json{{"sleep_ms", 20}}, [&](const Result<Json>& r) {
      EXPECT_TRUE(r);
      ++done;
    });
  }
  std::size_t most = 0;
  ASSERT_TRUE(run_until([&] {
    most = std::max(most, pool.workers());
    return done == 40;
  }));
  EXPECT_EQ(most, 4u);
  EXPECT_TRUE(run_until([&] { return pool.workers() == 1; }));
}

TEST(PoolTest, ARetiredWorkerGetsNoMoreCalls) {
  PoolOptions o;
  o.max = 1;
  Pool pool(Fork(), "pool_test.worker", std::move(o));
  Result<Json> first = call_sync(pool, "pid");
  ASSERT_TRUE(first);
  ASSERT_TRUE(call_sync(pool, "retire"));
  Result<Json> later = call_sync(pool, "pid");
  ASSERT_TRUE(later);
  EXPECT_NE(*first, *later);
  EXPECT_EQ(pool.started(), 2u);
}

TEST(PoolTest, APoolSpansPrototypesFromTwoTemplates) {
  std::vector<Fork> protos;
  protos.emplace_back();
  protos.emplace_back(ae::fork::Template::new_exec());
  PoolOptions o;
  o.max = 2;
  o.idle = 2;
  Pool pool(std::move(protos), "pool_test.worker", std::move(o));
  EXPECT_EQ(pool.workers(), 2u);
  int done = 0;
  for (int i = 0; i < 10; ++i) pool.call(i, [&](const Result<Json>& r) { done += r ? 1 : 0; });
  EXPECT_TRUE(run_until([&] { return done == 10; }));
}

ae::Task<int> sum_in_pool(Pool& pool) {
  Json a = co_await pool.call(Json(10));
  Json b = co_await pool.call(Json(11));
  co_return a.get<int>() + b.get<int>();
}

TEST(PoolTest, CoroutinesAwaitPoolCalls) {
  Pool pool(Fork(), "pool_test.worker");
  EXPECT_EQ(sum_in_pool(pool).recv(), 42);
}

TEST(PoolTest, NcpuCountsAtLeastOneCore) {
  ae::fork::CpuCount c = ae::fork::ncpu();
  EXPECT_GE(c.cpus, 1u);
  EXPECT_GE(c.eus, c.cpus);
}

TEST(PoolTest, ACallTimingOutBeforeItsWorkerRunsDoesNotStallThePool) {
  PoolOptions o;
  o.max = 1;
  o.load = 1;
  Pool pool(Fork(), "pool_test.worker", std::move(o));
  // The first call starts the worker and is sent to it at once, timing out before it runs.
  Result<Json> hung = call_sync(pool, "hang", 1e-9);
  EXPECT_EQ(hung.code(), std::errc::timed_out);
  Result<Json> after = call_sync(pool, 21);
  ASSERT_TRUE(after) << after.message();
  EXPECT_EQ(*after, 42);
}

TEST(PoolTest, ACallGoesToTheLeastLoadedWorker) {
  PoolOptions o;
  o.max = 2;
  o.idle = 2;
  o.load = 3;
  Pool pool(Fork(), "pool_test.worker", std::move(o));
  std::vector<Json> pids;
  // The first worker is busy with the slow call when the quick one is placed.
  pool.call(Json{{"sleep_ms", 300}}, [&](Result<Json> r) { pids.push_back(r ? *r : Json()); });
  pool.call(Json{{"sleep_ms", 1}}, [&](const Result<Json>& r) { pids.push_back(r ? *r : Json()); });
  ASSERT_TRUE(run_until([&] { return pids.size() == 2; }));
  EXPECT_TRUE(pids[0].is_number());
  EXPECT_TRUE(pids[1].is_number());
  EXPECT_NE(pids[0], pids[1]);
}

}  // namespace
