// Test support for //socket: a loop on a chosen backend, and the parameter names for TEST_P.
#pragma once

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/loop.h"

namespace ae::socket_test {

// The backends every socket test runs on.
inline const std::vector<std::string> kBackends = {"asio", "uv"};

// Names a TEST_P instance parameterised by (backend, AF_INET or AF_INET6): "asio_ipv4", ...
inline std::string backend_and_family_name(
    const ::testing::TestParamInfo<std::tuple<std::string, int>>& info) {
  return std::get<0>(info.param) + (std::get<1>(info.param) == AF_INET6 ? "_ipv6" : "_ipv4");
}

// A loop of backend `model`, current on this thread while the object lives. Its destructor
// first lets postponed work run, then checks (with a gtest failure) that no watcher is left.
class TestLoop {
 public:
  explicit TestLoop(std::string_view model);
  ~TestLoop();
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;

  Loop& loop() noexcept { return *loop_; }

 private:
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<Loop::Scope> scope_;
};

}  // namespace ae::socket_test
