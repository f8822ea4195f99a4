// ae::Guard: runs a function when it goes out of scope, unless dismissed.
//
// AnyEvent's `guard { ... }` for C++. Multi-step operations (tcp_connect, a DNS request) return
// a Guard: destroying it cancels the operation, and its callback never runs afterwards.
//
// Errors: an exception thrown by the function is reported through the log hook (core/log_hook.h)
// and swallowed, as AnyEvent's guard warns and goes on: a Guard runs from destructors, where an
// exception would end the program.
//
// Example:
//   {
//     ae::Guard g([] { std::puts("left the scope"); });
//   }  // prints
#pragma once

#include <utility>

#include "core/function.h"

namespace ae {

class [[nodiscard]] Guard {
 public:
  Guard() noexcept = default;
  explicit Guard(Function<void()> on_destroy) noexcept : on_destroy_(std::move(on_destroy)) {}

  Guard(Guard&& other) noexcept = default;
  Guard& operator=(Guard&& other) noexcept {
    if (this != &other) {
      fire();
      on_destroy_ = std::move(other.on_destroy_);
    }
    return *this;
  }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  // Runs the function now (if any) and empties the guard.
  void reset() noexcept { fire(); }

  // Empties the guard without running the function.
  void dismiss() noexcept { on_destroy_ = nullptr; }

  // True while the guard still holds a function to run.
  explicit operator bool() const noexcept { return static_cast<bool>(on_destroy_); }

  ~Guard() { fire(); }

 private:
  void fire() noexcept {
    if (on_destroy_) {
      Function<void()> f = std::move(on_destroy_);
      on_destroy_ = nullptr;
      try {
        f();
      } catch (...) {
        report_exception();
      }
    }
  }
  // Logs the exception being handled.
  static void report_exception() noexcept;

  Function<void()> on_destroy_;
};

}  // namespace ae
