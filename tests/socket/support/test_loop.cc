#include "tests/socket/support/test_loop.h"

#include <gtest/gtest.h>

#include "core/backend.h"

namespace ae::socket_test {

TestLoop::TestLoop(std::string_view model) {
  std::unique_ptr<Backend> backend = make_backend(model);
  if (!backend) ADD_FAILURE() << "backend " << model << " is not linked";
  loop_ = backend ? std::make_unique<Loop>(std::move(backend)) : std::make_unique<Loop>();
  scope_ = std::make_unique<Loop::Scope>(*loop_);
}

TestLoop::~TestLoop() {
  for (int i = 0; i < 3; ++i) loop_->run_once(false);
  EXPECT_EQ(loop_->active_watchers(), 0u) << "a watcher outlived the test";
  scope_.reset();
  loop_.reset();
}

}  // namespace ae::socket_test
