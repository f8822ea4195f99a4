// The loop fixture every test uses: a loop on a chosen backend, current on the test's thread
// while it lives, that proves at the end of the test that no watcher was left behind.
//
// Backends, by name (the parameter of a suite that runs on several):
//   "asio", "uv"                    ae's loop owning a foreign loop of that model;
//   "asio_borrowed", "uv_borrowed"  borrowing an io_context / uv_loop_t the fixture owns, as a
//                                   program that already runs Asio or libuv would;
//   "manual"                        a clock only the test moves (tests/support/manual_backend.h);
//   any other linked model          ("native", "ev", "glib") owning its loop, and the variants
//                                   test libraries add (register_backend_variant).
//
// Example:
//   class ServerTest : public ae::testing::LoopTest {};   // the parameter is the backend name
//   TEST_P(ServerTest, AnswersHello) {
//     ...
//     ASSERT_TRUE(ae::testing::run_until([&] { return done; }));
//   }
//   INSTANTIATE_TEST_SUITE_P(Backends, ServerTest,
//                            ::testing::ValuesIn(ae::testing::main_backends()),
//                            ae::testing::backend_name);
//
//   // A fixture with more parameters, or none, holds a TestLoop itself:
//   ae::testing::TestLoop loop_{std::get<0>(GetParam())};
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/loop.h"
#include "core/watchers.h"

namespace ae::testing {

class ManualBackend;

// Every backend variant with real time: "asio", "asio_borrowed", "uv", "uv_borrowed".
std::vector<std::string> all_backends();
// The two models, each owning its loop: for package suites that need not repeat the borrowed
// variants (the conformance suite covers those).
std::vector<std::string> main_backends();
// Names TEST_P instances after their backend ("asio", not "0").
std::string backend_name(const ::testing::TestParamInfo<std::string>& info);

// A backend variant added by a test library for a backend this library does not link (say
// "ev_borrowed", tests/conformance/ev_backends.cc): returns the backend, and puts into `foreign`
// what must outlive the ae loop made on it (the foreign loop it borrows).
using BackendVariant = std::unique_ptr<Backend> (*)(std::shared_ptr<void>& foreign);
// Makes TestLoop(name) use `make`. Called from a static initialiser of the library that adds it.
void register_backend_variant(std::string name, BackendVariant make);

// A loop on `backend`, current on this thread from construction to destruction.
// Lifetime: destroy what holds watchers first (members declared after it are). The destructor
// runs the work still pending (postponed calls, deferred frees, closes in flight, for up to a few
// seconds), then fails the test if a watcher is still active, then destroys the loop and the
// foreign loop it borrowed.
// Errors: std::runtime_error when the backend is unknown or not linked.
class TestLoop {
 public:
  explicit TestLoop(std::string_view backend = "asio");
  ~TestLoop();
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;

  Loop& loop() noexcept { return *loop_; }
  Loop* operator->() noexcept { return loop_.get(); }
  const std::string& backend() const noexcept { return backend_; }

  // On "manual": moves the clock (and ae::now()) by `d`, then runs, without blocking, everything
  // that became due (timers, and whatever they start that is ready at once). A repeating timer
  // that missed several intervals fires at most twice, as on every backend: advance in steps of
  // its interval to see every firing.
  // Errors: std::logic_error on any other backend.
  void advance(Seconds d);
  // On "manual": sets the wall clock forward or back by `d` without moving the monotonic one
  // (the system's clock being set), then runs one iteration and what becomes due in it.
  // Errors: std::logic_error on any other backend.
  void jump_wall_clock(Seconds d);
  // True on the "manual" backend.
  bool manual() const noexcept { return manual_ != nullptr; }

  // For a test whose point is a watcher that outlives it: skips the final check.
  void allow_watchers_left() noexcept { check_watchers_ = false; }

 private:
  struct Foreign;
  std::string backend_;
  std::unique_ptr<Foreign> foreign_;
  ManualBackend* manual_ = nullptr;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<Loop::Scope> scope_;
  bool check_watchers_ = true;
};

// The fixture for suites parameterised over backend names (see the example above).
class LoopTest : public ::testing::TestWithParam<std::string> {
 protected:
  LoopTest() : test_loop_(GetParam()) {}

  Loop& loop() noexcept { return test_loop_.loop(); }
  TestLoop& test_loop() noexcept { return test_loop_; }

 private:
  TestLoop test_loop_;
};

}  // namespace ae::testing
