// A scraper reads the loop metrics over ae's own HTTP server, as a program would serve them.
#include <string>

#include "core/core.h"
#include "debug/metrics.h"
#include "gtest/gtest.h"
#include "http/server.h"
#include "tests/support/loop.h"
#include "tests/support/process.h"
#include "tests/support/run_until.h"

namespace {

using ae::testing::run_until;

class MetricsScrapeTest : public ae::testing::LoopTest {
 protected:
  void SetUp() override { ae::debug::metrics(true); }
  void TearDown() override { ae::debug::metrics(false); }
};

TEST_P(MetricsScrapeTest, CurlScrapesThePrometheusText) {
  ae::http::Router router;
  router.get("/metrics", [](ae::http::ServerRequest&, ae::http::ServerResponse& res) {
    res.headers().set("Content-Type", "text/plain; version=0.0.4");
    res.send(ae::debug::prometheus_text());
  });
  ae::Result<ae::http::Server> server =
      ae::http::Server::listen("127.0.0.1", "0", std::move(router));
  ASSERT_TRUE(server) << server.message();
  int fired = 0;
  ae::Timer t = ae::timer(0, 0.001, [&] { ++fired; });
  ASSERT_TRUE(run_until([&] { return fired >= 3; }));

  std::string loop_label = "loop=\"" + std::to_string(ae::debug::loop_metrics(loop()).loop) + "\"";
  ae::testing::Process curl(
      {"curl", "-sS", "-i", "http://127.0.0.1:" + std::to_string(server->port()) + "/metrics"});
  ASSERT_TRUE(curl.wait()) << curl.output();
  EXPECT_EQ(curl.exit_code(), 0) << curl.output();
  EXPECT_NE(curl.out().find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
      << curl.out();
  EXPECT_NE(curl.out().find("# TYPE ae_loop_callbacks_total counter\n"), std::string::npos);
  EXPECT_NE(
      curl.out().find("ae_loop_callbacks_total{" + loop_label + ",model=\"" + GetParam() + "\"} "),
      std::string::npos)
      << curl.out();
  EXPECT_NE(curl.out().find("type=\"io\"}"), std::string::npos)
      << "the server's own sockets are live io watchers";
  t.reset();
  server->shutdown(0, [] {});
  ASSERT_TRUE(run_until([&] { return loop().active_watchers() == 0; }));
}

INSTANTIATE_TEST_SUITE_P(Backends, MetricsScrapeTest,
                         ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

}  // namespace
