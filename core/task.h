// ae::Task<T>: the return type of coroutines that co_await ae::CondVar (Coro::AnyEvent's idea,
// with the language's own coroutines).
//
// A Task starts running at once (like a callback, not lazily) and is finished with `co_return`.
// Its result is an ae::CondVar, so a caller may recv() it, co_await it from another coroutine,
// or set a cb(); an exception escaping the coroutine croaks it. Dropping the Task object does not
// stop the coroutine; the coroutine frees itself when it finishes.
//
// Lifetime: while suspended in `co_await`, a coroutine belongs to the loop it suspended on. When
// that loop is destroyed before the coroutine resumed (the CondVar it awaits was dropped unsent,
// or its resumption was still postponed), the loop destroys the coroutine: its locals' destructors
// run (while the loop's services still exist), it never resumes, and its Task's CondVar is never
// sent. Destroying rather than resuming with an error: no code of the coroutine runs while its
// loop is going, and nothing is leaked.
//
// Example:
//   ae::Task<int> add_later(int a, int b) {
//     ae::CondVar<> tick;
//     ae::Timer t = ae::timer(0.1, [=]() mutable { tick.send(); });
//     co_await tick;
//     co_return a + b;
//   }
//   int three() {
//     return add_later(1, 2).recv();  // 3, a tenth of a second later
//   }
#pragma once

#include <coroutine>
#include <exception>
#include <utility>

#include "core/condvar.h"

namespace ae {

template <class T = void>
class Task {
  using Result = std::conditional_t<std::is_void_v<T>, CondVar<>, CondVar<T>>;

  template <class Derived>
  struct PromiseBase {
    Result result;
    Task get_return_object() { return Task(result); }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void unhandled_exception() { result.croak(std::current_exception()); }
  };
  struct ValuePromise : PromiseBase<ValuePromise> {
    template <class U>
    void return_value(U&& v) {
      this->result.send(std::forward<U>(v));
    }
  };
  struct VoidPromise : PromiseBase<VoidPromise> {
    void return_void() { this->result.send(); }
  };

 public:
  using promise_type = std::conditional_t<std::is_void_v<T>, VoidPromise, ValuePromise>;

  // Runs the loop until the coroutine finished; returns its value or throws its exception.
  auto recv() { return result_.recv(); }
  bool ready() const noexcept { return result_.ready(); }
  // The CondVar the coroutine sends its result to.
  Result& cv() noexcept { return result_; }
  auto operator co_await() const noexcept { return result_.operator co_await(); }

 private:
  explicit Task(Result result) : result_(std::move(result)) {}
  Result result_;
};

}  // namespace ae
