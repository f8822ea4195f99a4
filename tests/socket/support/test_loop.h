// Test support for //socket: a loop on a chosen backend, and the parameter names for TEST_P.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/loop.h"

namespace ae::socket_test {

// The backends every socket test runs on.
inline const std::vector<std::string> kBackends = {"asio", "uv"};

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
