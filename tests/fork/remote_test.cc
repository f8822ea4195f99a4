// Remote workers over a real OpenSSH sshd on loopback: the test binary itself is the program
// the remote side runs (`<binary> --ae-fork-serve stdio`).
#include <signal.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "fork/fork.h"
#include "fork/pool.h"
#include "fork/rpc.h"
#include "tests/fork/fork_test_util.h"
#include "tests/fork/sshd.h"

namespace {

using ae::Result;
using ae::fork::Fork;
using ae::fork::Json;
using ae::fork::Rpc;
using ae::fork::RpcErrc;
using ae::fork::RpcOptions;
using ae::fork::Template;
using ae::fork_testing::run_until;
using ae::fork_testing::Sshd;

Json remote_worker(Json req) {
  if (req == "kill") ::raise(SIGKILL);
  if (req == "hang") ::pause();
  if (req == "host") return Json{{"pid", ::getpid()}, {"ppid", ::getppid()}};
  return req;
}
AE_FORK_FUNCTION("remote_test.worker", remote_worker);

// The first remote argument arrives in the worker's init: proves send_arg travels over ssh.
std::string g_greeting;
void remote_init(ae::fork::Args& args) { g_greeting = args.strings.empty() ? "" : args.strings[0]; }
AE_FORK_FUNCTION("remote_test.init", remote_init);
// The registered signature takes its argument by value.
Json greeting_worker(Json) { return g_greeting; }  // NOLINT(performance-unnecessary-value-param)
AE_FORK_FUNCTION("remote_test.greeting", greeting_worker);

Result<Json> call_sync(Rpc& rpc, const Json& args) {
  std::optional<Result<Json>> out;
  rpc.call(args, [&](Result<Json> r) { out = std::move(r); });
  EXPECT_TRUE(run_until([&] { return out.has_value(); }));
  return out.value_or(Result<Json>(ae::Error{}));
}

Template remote(const Sshd& sshd) {
  return Template::remote(sshd.ssh_argv(), ae::fork_testing::self_exe());
}

TEST(RemoteTest, ARemoteWorkerAnswersCallsWithItsArguments) {
  Sshd sshd;
  RpcOptions o;
  o.init = "remote_test.init";
  Fork f(remote(sshd));
  f.send_arg("hello over ssh");
  Rpc rpc(std::move(f), "remote_test.greeting", std::move(o));
  Result<Json> r = call_sync(rpc, nullptr);
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(*r, "hello over ssh");
}

TEST(RemoteTest, ARemoteWorkerThatDiesIsReportedWithItsSignal) {
  Sshd sshd;
  Rpc rpc(Fork(remote(sshd)), "remote_test.worker");
  ASSERT_TRUE(call_sync(rpc, "warm up"));
  Result<Json> r = call_sync(rpc, "kill");
  EXPECT_EQ(r.code(), RpcErrc::kWorkerDied);
  EXPECT_EQ(r.message(), "worker killed by signal 9 (SIGKILL)");
}

TEST(RemoteTest, ADroppedConnectionFailsTheCallsInFlight) {
  Sshd sshd;
  std::optional<ae::Error> on_error;
  RpcOptions o;
  o.on_error = [&](const ae::Error& e) { on_error = e; };
  Rpc rpc(Fork(remote(sshd)), "remote_test.worker", std::move(o));
  ASSERT_TRUE(call_sync(rpc, "warm up"));
  std::optional<Result<Json>> hung;
  rpc.call("hang", [&](Result<Json> r) { hung = std::move(r); });
  sshd.drop_connections();
  ASSERT_TRUE(run_until([&] { return hung.has_value(); }));
  EXPECT_EQ(hung->code(), RpcErrc::kWorkerDied);
  EXPECT_NE(hung->message().find("exit status unknown (ssh exited with status 255"),
            std::string::npos)
      << hung->message();
  ASSERT_TRUE(on_error.has_value());
}

TEST(RemoteTest, APoolSpansLocalAndRemoteWorkers) {
  Sshd sshd;
  std::vector<Fork> protos;
  protos.emplace_back();
  protos.emplace_back(remote(sshd));
  ae::fork::PoolOptions o;
  o.max = 2;
  o.idle = 2;
  ae::fork::Pool pool(std::move(protos), "remote_test.worker", std::move(o));
  int done = 0;
  for (int i = 0; i < 20; ++i) {
    pool.call(i, [&, i](Result<Json> r) {
      ++done;
      ASSERT_TRUE(r) << r.message();
      EXPECT_EQ(*r, i);
    });
  }
  ASSERT_TRUE(run_until([&] { return done == 20; }));
  EXPECT_EQ(pool.started(), 2u);
}

TEST(RemoteTest, AHungRemoteWorkerIsKilledWhenItsConnectionIsGone) {
  Sshd sshd;
  Rpc rpc(Fork(remote(sshd)), "remote_test.worker");
  Result<Json> host = call_sync(rpc, "host");
  ASSERT_TRUE(host) << host.message();
  const pid_t worker = (*host)["pid"].get<pid_t>();
  // The timeout kills the local ssh client; the worker on the remote side hangs in pause().
  std::optional<Result<Json>> hung;
  rpc.call(
      "hang", [&](Result<Json> r) { hung = std::move(r); }, 0.3);
  ASSERT_TRUE(run_until([&] { return hung.has_value(); }));
  EXPECT_EQ(hung->code(), std::errc::timed_out);
  bool gone = run_until([&] { return ::kill(worker, 0) != 0; });
  if (!gone) ::kill(worker, SIGKILL);  // not left running on this machine whatever happens
  EXPECT_TRUE(gone) << "remote worker " << worker << " still runs";
}

}  // namespace
