#include "fork/rpc.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/log_hook.h"
#include "core/loop.h"
#include "core/task.h"
#include "fork/fork.h"
#include "tests/fork/fork_test_util.h"

namespace {

using ae::Result;
using ae::fork::Fork;
using ae::fork::Json;
using ae::fork::Reply;
using ae::fork::Rpc;
using ae::fork::RpcErrc;
using ae::fork::RpcOptions;
using ae::fork_testing::run_until;

// A sync worker that does what its argument asks.
Json sync_worker(Json req) {
  const std::string op = req.at("op");
  if (op == "echo") return req.at("value");
  if (op == "events") {
    for (int i = 0; i < req.at("n").get<int>(); ++i) ae::fork::event(Json{{"event", i}});
    return "after events";
  }
  if (op == "throw") throw std::runtime_error("no such thing");
  if (op == "abort") std::abort();
  if (op == "kill") ::raise(SIGKILL);
  if (op == "exit") ::_exit(req.at("status").get<int>());
  if (op == "hang") ::pause();
  if (op == "big") return std::string(req.at("size").get<std::size_t>(), 'b');
  if (op == "args") return Json(req);
  return nullptr;
}
AE_FORK_FUNCTION("rpc_test.sync", sync_worker);

// For the string serialiser: ["big", N] answers N bytes; ["echo", ...] answers the rest.
Json string_worker(Json args) {
  if (args.at(0) == "big") return std::string(std::stoul(args.at(1).get<std::string>()), 'b');
  args.erase(0);
  return args;
}
AE_FORK_FUNCTION("rpc_test.strings", string_worker);

// Writes bytes that are not a frame onto its channel: the only socket a worker has open.
// The registered signature takes its argument by value.
Json garbage_worker(Json) {  // NOLINT(performance-unnecessary-value-param)
  static const char junk[] = "Zjunk that is not a frame of the protocol";
  for (int fd = 3; fd < 1024; ++fd) {
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
      ssize_t n = ::write(fd, junk, sizeof junk - 1);
      (void)n;
    }
  }
  ::pause();
  return nullptr;
}
AE_FORK_FUNCTION("rpc_test.garbage", garbage_worker);

// An async worker: answers after a delay given in ms, so later calls can overtake earlier ones.
// The registered signature takes its argument by value.
void async_worker(Json req, Reply reply) {  // NOLINT(performance-unnecessary-value-param)
  if (req.value("op", "") == "throw") throw std::runtime_error("async thrown");
  if (req.value("op", "") == "drop") return;
  auto t = std::make_shared<ae::Timer>();
  int delay = req.value("delay_ms", 0);
  ae::fork::event(Json{{"started", req.value("tag", 0)}});
  *t = ae::timer(delay / 1000.0, [t, req, r = std::make_shared<Reply>(std::move(reply))]() mutable {
    ae::fork::event(Json{{"finished", req.value("tag", 0)}});
    (*r)(req.value("tag", 0));
    t.reset();
  });
}
AE_FORK_FUNCTION("rpc_test.async", async_worker);

// An async worker's done function: its last word is an event, after the parent closed.
void async_done() { ae::fork::event("done ran"); }
AE_FORK_FUNCTION("rpc_test.done", async_done);

// A serialiser of the test's own: JSON behind a tag that thaw insists on, so a payload it did
// not freeze is refused.
std::string tagged_freeze(const Json& v) { return "tagged:" + v.dump(); }
Json tagged_thaw(std::string_view s) {
  if (!s.starts_with("tagged:")) throw std::invalid_argument("untagged payload");
  s.remove_prefix(7);
  return Json::parse(s);
}
[[maybe_unused]] const bool kTaggedRegistered =
    (ae::fork::register_serialiser({"tagged", tagged_freeze, tagged_thaw}), true);

Result<Json> call_sync(Rpc& rpc, const Json& args, double timeout = 0) {
  std::optional<Result<Json>> out;
  rpc.call(
      args, [&](Result<Json> r) { out = std::move(r); }, timeout);
  EXPECT_TRUE(run_until([&] { return out.has_value(); }));
  return out.value_or(Result<Json>(ae::Error{}));
}

TEST(RpcTest, SyncWorkerAnswersCallsInOrder) {
  Rpc rpc(Fork(), "rpc_test.sync");
  std::vector<int> order;
  for (int i = 0; i < 50; ++i) {
    rpc.call(Json{{"op", "echo"}, {"value", i}}, [&order](Result<Json> r) {
      ASSERT_TRUE(r) << r.message();
      order.push_back(r->get<int>());
    });
  }
  ASSERT_TRUE(run_until([&] { return order.size() == 50; }));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
}

TEST(RpcTest, CborSerialiserCarriesBinaryStrings) {
  RpcOptions o;
  o.serialiser = "cbor";
  Rpc rpc(Fork(), "rpc_test.sync", std::move(o));
  Json bin = Json::binary({0, 1, 2, 255});
  Result<Json> r = call_sync(rpc, Json{{"op", "echo"}, {"value", bin}});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(*r, bin);
}

TEST(RpcTest, EventsArriveBeforeTheResultInTheOrderSent) {
  std::vector<Json> seen;
  RpcOptions o;
  o.on_event = [&](Json e) { seen.push_back(std::move(e)); };
  Rpc rpc(Fork(), "rpc_test.sync", std::move(o));
  Result<Json> r = call_sync(rpc, Json{{"op", "events"}, {"n", 3}});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "after events");
  ASSERT_EQ(seen.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(seen[i]["event"], i);
}

TEST(RpcTest, AnExceptionInTheWorkerComesBackAsTheCallsError) {
  Rpc rpc(Fork(), "rpc_test.sync");
  Result<Json> r = call_sync(rpc, Json{{"op", "throw"}});
  EXPECT_EQ(r.code(), RpcErrc::kWorkerException);
  EXPECT_EQ(r.message(), "no such thing");
  // The worker lives on.
  EXPECT_EQ(*call_sync(rpc, Json{{"op", "echo"}, {"value", 1}}), 1);
}

struct DeathCase {
  Json request;
  std::string expected;
};

TEST(RpcTest, AWorkerThatDiesFailsEveryOutstandingCallNamingHowItDied) {
  const DeathCase cases[] = {
      {Json{{"op", "kill"}}, "worker killed by signal 9 (SIGKILL)"},
      {Json{{"op", "abort"}}, "worker killed by signal 6 (SIGABRT"},
      {Json{{"op", "exit"}, {"status", 7}}, "worker exited with status 7"},
  };
  for (const auto& c : cases) {
    std::optional<ae::Error> on_error;
    RpcOptions o;
    o.on_error = [&](const ae::Error& e) { on_error = e; };
    Rpc rpc(Fork(), "rpc_test.sync", std::move(o));
    std::vector<Result<Json>> results;
    rpc.call(c.request, [&](Result<Json> r) { results.push_back(std::move(r)); });
    rpc.call(Json{{"op", "echo"}, {"value", 2}},
             [&](Result<Json> r) { results.push_back(std::move(r)); });
    ASSERT_TRUE(run_until([&] { return results.size() == 2 && on_error; }));
    for (auto& r : results) {
      EXPECT_EQ(r.code(), RpcErrc::kWorkerDied);
      EXPECT_EQ(r.message().rfind(c.expected, 0), 0u) << r.message();
    }
    EXPECT_EQ(on_error->message, results[0].message());
    EXPECT_FALSE(rpc.alive());
    // A call after the loss fails at once with the same error.
    EXPECT_EQ(call_sync(rpc, Json{{"op", "echo"}, {"value", 3}}).code(), RpcErrc::kWorkerDied);
  }
}

TEST(RpcTest, AWorkerThatExitsEarlyIsReportedThroughOnError) {
  std::optional<ae::Error> on_error;
  RpcOptions o;
  o.on_error = [&](const ae::Error& e) { on_error = e; };
  o.init = "rpc_test.no_such_init";  // the worker exits before serving: init is not registered
  Rpc rpc(Fork(), "rpc_test.sync", std::move(o));
  ASSERT_TRUE(run_until([&] { return on_error.has_value(); }));
  EXPECT_EQ(on_error->message, "worker exited with status 2");
}

TEST(RpcTest, AHungCallTimesOutAndTheWorkerIsKilled) {
  Rpc rpc(Fork(), "rpc_test.sync");
  std::optional<Result<Json>> hung, queued;
  rpc.call(
      Json{{"op", "hang"}}, [&](Result<Json> r) { hung = std::move(r); }, 0.2);
  rpc.call(Json{{"op", "echo"}, {"value", 1}}, [&](Result<Json> r) { queued = std::move(r); });
  ASSERT_TRUE(run_until([&] { return hung && queued; }));
  EXPECT_EQ(hung->code(), std::errc::timed_out);
  EXPECT_EQ(queued->code(), RpcErrc::kWorkerDied);
  EXPECT_EQ(queued->message(),
            "worker killed by signal 9 (SIGKILL) (killed after a call timed out)");
}

TEST(RpcTest, GarbageOnTheChannelIsAProtocolErrorNotACrash) {
  std::optional<ae::Error> on_error;
  RpcOptions o;
  o.on_error = [&](const ae::Error& e) { on_error = e; };
  Rpc rpc(Fork(), "rpc_test.garbage", std::move(o));
  Result<Json> r = call_sync(rpc, nullptr);
  EXPECT_EQ(r.code(), RpcErrc::kProtocol);
  ASSERT_TRUE(on_error.has_value());
  EXPECT_EQ(on_error->code, RpcErrc::kProtocol);
  EXPECT_FALSE(rpc.alive());
}

TEST(RpcTest, HundredMegabytePayloadsTravelBothWays) {
  RpcOptions o;
  o.serialiser = "string";
  Rpc rpc(Fork(), "rpc_test.strings", std::move(o));
  const std::size_t size = 100u << 20;
  Result<Json> big = call_sync(rpc, Json::array({"big", std::to_string(size)}));
  ASSERT_TRUE(big) << big.message();
  EXPECT_EQ(big->at(0).get_ref<const std::string&>().size(), size);
  Json request = Json::array({"echo", std::string(size, 'e'), "tail"});
  Result<Json> back = call_sync(rpc, request);
  ASSERT_TRUE(back) << back.message();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ(back->at(0).get_ref<const std::string&>().size(), size);
  EXPECT_EQ(back->at(1), "tail");
}

TEST(RpcTest, LargeJsonResultsArrive) {
  Rpc rpc(Fork(), "rpc_test.sync");
  Result<Json> r = call_sync(rpc, Json{{"op", "big"}, {"size", 2u << 20}});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(r->get_ref<const std::string&>().size(), 2u << 20);
}

TEST(RpcTest, AsyncWorkerAnswersConcurrentCallsAndKeepsEventOrder) {
  std::vector<Json> events;
  RpcOptions o;
  o.on_event = [&](Json e) { events.push_back(std::move(e)); };
  Rpc rpc(Fork(), "rpc_test.async", std::move(o));
  std::vector<int> answers;
  rpc.call(Json{{"tag", 1}, {"delay_ms", 300}}, [&](Result<Json> r) { answers.push_back(*r); });
  rpc.call(Json{{"tag", 2}, {"delay_ms", 0}}, [&](Result<Json> r) { answers.push_back(*r); });
  ASSERT_TRUE(run_until([&] { return answers.size() == 2; }));
  EXPECT_EQ(answers, (std::vector<int>{2, 1}));  // the quick call overtook the slow one
  // Each "finished" event precedes its result, and the events are in the worker's order.
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0], (Json{{"started", 1}}));
  EXPECT_EQ(events[1], (Json{{"started", 2}}));
  EXPECT_EQ(events[2], (Json{{"finished", 2}}));
  EXPECT_EQ(events[3], (Json{{"finished", 1}}));
}

TEST(RpcTest, AsyncWorkerExceptionsAndDroppedRepliesBecomeErrors) {
  RpcOptions o;
  o.on_event = [](const Json&) {};
  Rpc rpc(Fork(), "rpc_test.async", std::move(o));
  Result<Json> thrown = call_sync(rpc, Json{{"op", "throw"}});
  EXPECT_EQ(thrown.code(), RpcErrc::kWorkerException);
  EXPECT_EQ(thrown.message(), "async thrown");
  Result<Json> dropped = call_sync(rpc, Json{{"op", "drop"}});
  EXPECT_EQ(dropped.message(), "the worker dropped the reply");
  EXPECT_EQ(*call_sync(rpc, Json{{"tag", 5}}), 5);
}

TEST(RpcTest, OnDestroyRunsAfterTheLastResult) {
  bool destroyed = false;
  std::vector<int> answers;
  {
    RpcOptions o;
    o.on_event = [](const Json&) {};
    o.on_destroy = [&] {
      EXPECT_EQ(answers.size(), 3u);
      destroyed = true;
    };
    Rpc rpc(Fork(), "rpc_test.async", std::move(o));
    for (int i = 0; i < 3; ++i) {
      rpc.call(Json{{"tag", i}, {"delay_ms", 50}}, [&](Result<Json> r) { answers.push_back(*r); });
    }
  }  // dropped with three calls outstanding: they still complete
  ASSERT_TRUE(run_until([&] { return destroyed; }));
}

// Braced Json initialisers inside a coroutine trip g++ 12 ("array used as initializer").
Json echo_request(int v) { return Json{{"op", "echo"}, {"value", v}}; }

ae::Task<int> add_in_worker(Rpc& rpc) {
  Json a = co_await rpc.call(echo_request(20));
  Json b = co_await rpc.call(echo_request(22));
  co_return a.get<int>() + b.get<int>();
}

ae::Task<int> throw_in_worker(Rpc& rpc) {
  Json request = echo_request(0);
  request["op"] = "throw";
  co_await rpc.call(request);
  co_return 0;
}

TEST(RpcTest, CoroutinesAwaitCalls) {
  Rpc rpc(Fork(), "rpc_test.sync");
  EXPECT_EQ(add_in_worker(rpc).recv(), 42);
  EXPECT_THROW(throw_in_worker(rpc).recv(), std::system_error);
}

TEST(RpcTest, ARegisteredSerialiserIsUsedByBothEnds) {
  RpcOptions o;
  o.serialiser = "tagged";
  Rpc rpc(Fork(), "rpc_test.sync", std::move(o));
  Result<Json> r = call_sync(rpc, Json{{"op", "args"}, {"n", 1}});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(*r, (Json{{"op", "args"}, {"n", 1}}));
  RpcOptions unknown;
  unknown.serialiser = "no such serialiser";
  EXPECT_THROW(Rpc(Fork(), "rpc_test.sync", std::move(unknown)), std::logic_error);
}

TEST(RpcTest, AnEventWithoutOnEventIsReportedThroughOnError) {
  std::vector<ae::Error> errors;
  RpcOptions o;
  o.on_error = [&](const ae::Error& e) { errors.push_back(e); };
  Rpc rpc(Fork(), "rpc_test.sync", std::move(o));
  Result<Json> r = call_sync(rpc, Json{{"op", "events"}, {"n", 2}});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(*r, "after events");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "event received, but no on_event handler");
  EXPECT_TRUE(rpc.alive());
}

TEST(RpcTest, DoneRunsInTheAsyncWorkerAfterTheParentClosed) {
  std::vector<Json> events;
  bool destroyed = false;
  int answer = 0;
  {
    RpcOptions o;
    o.done = "rpc_test.done";
    o.on_event = [&](Json e) { events.push_back(std::move(e)); };
    o.on_destroy = [&] { destroyed = true; };
    Rpc rpc(Fork(), "rpc_test.async", std::move(o));
    rpc.call(Json{{"tag", 9}, {"delay_ms", 50}},
             [&](Result<Json> r) { answer = r ? r->get<int>() : -1; });
  }
  ASSERT_TRUE(run_until([&] { return destroyed; }));
  EXPECT_EQ(answer, 9);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "done ran");  // after the call's own events, before on_destroy
}

// Log messages at level error or worse, captured while a test runs.
std::vector<std::string>* g_logged = nullptr;
bool capture_enabled(ae::LogLevel level, std::string_view) { return level <= ae::LogLevel::kError; }
void capture_write(ae::LogLevel, std::string_view context, std::string_view message) {
  if (g_logged) g_logged->push_back(std::string(context) + ": " + std::string(message));
}

TEST(RpcTest, ALostWorkerWithoutOnErrorIsLogged) {
  static const ae::LogSink capture{capture_enabled, capture_write};
  const ae::LogSink* before = &ae::log_sink();
  std::vector<std::string> logged;
  g_logged = &logged;
  ae::set_log_sink(&capture);
  {
    Rpc rpc(Fork(), "rpc_test.sync");
    EXPECT_EQ(call_sync(rpc, Json{{"op", "kill"}}).code(), RpcErrc::kWorkerDied);
  }
  ae::set_log_sink(before);
  g_logged = nullptr;
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0], "ae::fork: RPC worker: worker killed by signal 9 (SIGKILL)");
}

TEST(RpcTest, ACallThatTimesOutBeforeTheWorkerRunsIsNeverSent) {
  std::optional<ae::Error> on_error;
  RpcOptions o;
  o.on_error = [&](const ae::Error& e) { on_error = e; };
  Rpc rpc(Fork(), "rpc_test.sync", std::move(o));
  // Due at the loop's first iteration, before the worker is attached: the hanging call is
  // taken back unsent, so the worker is not stuck in it and answers the next call.
  std::optional<Result<Json>> hung;
  rpc.call(
      Json{{"op", "hang"}}, [&](Result<Json> r) { hung = std::move(r); }, 1e-9);
  Result<Json> next = call_sync(rpc, Json{{"op", "echo"}, {"value", 4}});
  ASSERT_TRUE(hung.has_value());
  EXPECT_EQ(hung->code(), std::errc::timed_out);
  ASSERT_TRUE(next) << next.message();
  EXPECT_EQ(*next, 4);
  EXPECT_TRUE(rpc.alive());
  EXPECT_FALSE(on_error.has_value());
}

}  // namespace
