// The backends the conformance suite runs on: each model, owning its foreign loop or borrowing
// one the test owns (as a program that already runs Asio or libuv would).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/loop.h"

namespace ae::testing {

struct BackendVariant {
  std::string name;  // "asio", "asio_borrowed", "uv", "uv_borrowed"
};

// Every variant linked into this test binary.
std::vector<BackendVariant> all_backend_variants();
// The two models, each owning its loop: for package suites that need not repeat the borrowed
// variants (the conformance suite covers those).
std::vector<BackendVariant> main_backends();

// A loop on `variant`, with whatever foreign loop it borrows; destroy it before that loop.
class TestLoop {
 public:
  explicit TestLoop(const BackendVariant& variant);
  ~TestLoop();
  Loop& loop() { return *loop_; }

 private:
  struct Foreign;
  std::unique_ptr<Foreign> foreign_;
  std::unique_ptr<Loop> loop_;
};

std::string variant_name(const ::testing::TestParamInfo<BackendVariant>& info);

}  // namespace ae::testing
