// Small helpers the //io tests share: waiting for one request's result, and the parameters of
// suites that run on both models and both backends.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "core/function.h"
#include "core/guard.h"
#include "core/loop.h"
#include "io/internal/channel.h"
#include "tests/support/files.h"
#include "tests/support/run_until.h"

namespace ae::testing::fs {

// Starts a request with `start(callback)` and runs the loop until its callback ran; returns
// what the callback got. Errors: std::runtime_error when it did not come within `timeout`.
template <class R, class Start>
R await(Start&& start, Seconds timeout = kPatience) {
  std::optional<R> got;
  now_update();  // the patience counts from now, even after a long computation in the test
  Guard guard = start(Function<void(R)>([&](R r) { got.emplace(std::move(r)); }));
  if (!run_until([&] { return got.has_value(); }, timeout)) {
    throw std::runtime_error("no result within " + std::to_string(timeout.count()) + " s");
  }
  return std::move(*got);
}

// True when the current loop has no //io request outstanding: every callback ran or was
// dropped, including those of cancelled requests that were running.
inline bool requests_settled() { return io_internal::Channel::current()->outstanding() == 0; }

// (AE_IO_MODEL, backend)
using ModelAndBackend = std::tuple<std::string, std::string>;

inline std::string model_and_backend_name(const ::testing::TestParamInfo<ModelAndBackend>& info) {
  return std::get<0>(info.param) + "_" + std::get<1>(info.param);
}

// A directory of its own for the running test, under $TEST_TMPDIR.
inline std::string test_dir() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(test->test_suite_name()) + "." + test->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return temp_dir(name);
}

}  // namespace ae::testing::fs
