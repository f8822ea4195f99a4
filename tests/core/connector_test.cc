// default_connector(): each request goes to the connector installed when it starts, and a
// replaced connector lives exactly as long as the requests started on it.
#include "core/connector.h"

#include <gtest/gtest.h>

#include <memory>

#include "core/condvar.h"
#include "core/loop.h"

namespace ae {
namespace {

// Answers every request with success (and no socket) from the loop, and counts them.
class CountingConnector final : public Connector {
 public:
  Guard connect(std::string_view, std::string_view, ConnectCallback cb, PrepareCallback) override {
    ++requests;
    return postpone_cancellable([cb = std::move(cb)]() mutable { cb({}, Connection{}); });
  }
  int requests = 0;
};

class DefaultConnectorTest : public ::testing::Test {
 protected:
  void TearDown() override { set_default_connector(nullptr); }
};

TEST_F(DefaultConnectorTest, RequestsGoToTheConnectorInstalledWhenTheyStart) {
  auto first = std::make_shared<CountingConnector>();
  auto second = std::make_shared<CountingConnector>();
  set_default_connector(first);
  CondVar<> done;
  Guard g =
      default_connector().connect("h", "1", [&](std::error_code, Connection) { done.send(); });
  set_default_connector(second);
  done.recv();
  EXPECT_EQ(first->requests, 1);
  EXPECT_EQ(second->requests, 0);
}

TEST_F(DefaultConnectorTest, AReplacedConnectorWithoutRequestsIsNotKept) {
  auto first = std::make_shared<CountingConnector>();
  std::weak_ptr<CountingConnector> weak = first;
  set_default_connector(std::move(first));
  set_default_connector(nullptr);
  EXPECT_TRUE(weak.expired());
}

TEST_F(DefaultConnectorTest, AReplacedConnectorLivesUntilItsLastRequestGoes) {
  auto first = std::make_shared<CountingConnector>();
  std::weak_ptr<CountingConnector> weak = first;
  set_default_connector(std::move(first));
  CondVar<> done;
  Guard g;
  g = default_connector().connect("h", "1", [&](std::error_code, Connection) {
    set_default_connector(nullptr);
    EXPECT_FALSE(weak.expired()) << "the request still holds it";
    g.reset();  // inside the connector's own callback: it goes after the callback returns
    EXPECT_FALSE(weak.expired());
    done.send();
  });
  done.recv();
  CondVar<> later;
  Timer t = timer(0.0, [&] { later.send(); });
  later.recv();
  EXPECT_TRUE(weak.expired());
}

TEST_F(DefaultConnectorTest, WithoutAConnectorEveryRequestFailsFromTheLoop) {
  set_default_connector(nullptr);
  CondVar<std::error_code> done;
  bool returned = false;
  Guard g = default_connector().connect("h", "1", [&](std::error_code ec, Connection c) {
    EXPECT_TRUE(returned);
    EXPECT_EQ(c.fd, -1);
    EXPECT_EQ(c.error, "connect to h:1: " + ec.message());
    done.send(ec);
  });
  returned = true;
  EXPECT_EQ(done.recv(), ConnectError::kNoConnector);
}

}  // namespace
}  // namespace ae
