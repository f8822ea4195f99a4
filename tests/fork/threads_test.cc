// //fork from several threads at once, each with its own loop: the early template is shared
// (its requests are serialised) and everything else is per loop. Run under TSan too.
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/loop.h"
#include "fork/fork.h"
#include "fork/rpc.h"
#include "fork/util.h"
#include "tests/fork/fork_test_util.h"

namespace {

using ae::Result;
using ae::fork::Json;

Json threads_worker(Json x) { return x.get<int>() + 1; }
AE_FORK_FUNCTION("threads_test.worker", threads_worker);

TEST(ForkThreadsTest, LoopsOnFourThreadsShareTheEarlyTemplate) {
  constexpr int kThreads = 4, kCalls = 50;
  std::vector<int> ok(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &ok] {
      ae::Loop loop;
      ae::Loop::Scope scope(loop);
      int answered = 0;
      {
        ae::fork::Rpc rpc(ae::fork::Fork(), "threads_test.worker");
        for (int i = 0; i < kCalls; ++i) {
          rpc.call(i, [&, i](Result<Json> r) {
            if (r && *r == i + 1) ++ok[t];
            ++answered;
          });
        }
        std::optional<Result<Json>> forked;
        ae::fork::fork_call([] { return Json(7); }, [&](Result<Json> r) { forked = r; });
        std::string out;
        ae::fork::RunCmdOptions o;
        o.redirect(1, ae::fork::Redirect::to_string(&out));
        int status = ae::fork::run_cmd({"echo", "thread"}, std::move(o)).recv();
        ae::fork_testing::run_until([&] { return answered == kCalls && forked.has_value(); });
        if (status == 0 && out == "thread\n") ++ok[t];
        if (forked && *forked && **forked == 7) ++ok[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(ok[t], kCalls + 2) << "thread " << t;
}

}  // namespace
