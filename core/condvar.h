// ae::CondVar<T...>: AnyEvent's condition variable, also awaitable from C++20 coroutines.
//
// A CondVar is a cheap handle to shared state: copies (in lambdas, say) refer to one variable.
// One side calls send(values...) or croak(error); the other waits with recv(), which runs the
// loop until then, or with cb(f), or with `co_await` inside a coroutine (core/task.h).
//
// Example:
//   ae::CondVar<std::string> line;
//   ae::Io w = ae::io(fd, ae::kRead, [&] { line.send(read_line(fd)); });
//   std::string got = line.recv();
//
//   ae::CondVar<> all_done;              // begin/end count outstanding work
//   all_done.begin();
//   for (auto& host : hosts) {
//     all_done.begin();
//     lookups.push_back(lookup(host, [=](...) mutable { all_done.end(); }));
//   }
//   all_done.end();                      // with no hosts at all, this sends at once
//   all_done.recv();
//
// Thread safety: like a watcher, a CondVar is used on one loop's thread.
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/function.h"
#include "core/internal/suspended_coroutines.h"
#include "core/log_hook.h"
#include "core/loop.h"
#include "core/source_location.h"

namespace ae {

namespace core_internal {
// The loop's recursion counter for blocking waits; throws if a wait is already in progress.
struct BlockingWait {
  BlockingWait(Loop& loop, ae::SourceLocation where) : waiters(loop.core_waiters()) {
    if (const DebugHooks* h = debug_hooks(); h != nullptr && h->blocking_wait != nullptr) {
      h->blocking_wait(loop, where);
    }
    if (waiters > 0) {
      throw std::logic_error("ae::CondVar: recursive blocking wait attempted");
    }
    ++waiters;
  }
  ~BlockingWait() { --waiters; }
  BlockingWait(const BlockingWait&) = delete;
  BlockingWait& operator=(const BlockingWait&) = delete;
  int& waiters;
};
void report_unobserved_croak(std::exception_ptr error) noexcept;
}  // namespace core_internal

template <class... T>
class CondVar {
 public:
  // What recv() returns: nothing, the single value, or a tuple of them.
  using value_type = std::conditional_t<
      sizeof...(T) == 0, void,
      std::conditional_t<sizeof...(T) == 1, std::tuple_element_t<0, std::tuple<T..., void>>,
                         std::tuple<T...>>>;

  CondVar() : state_(std::make_shared<State>()) {}

  // Marks the variable ready with `values`; a later send() overwrites them (as AnyEvent does).
  // A callback set with cb() is removed and then called at once, inside this call; coroutines
  // waiting in co_await resume on the loop after the current callback returns.
  void send(T... values) {
    state_->values.emplace(std::move(values)...);
    fire();
  }
  // The variable as a callback: cv(values...) is cv.send(values...).
  void operator()(T... values) { send(std::move(values)...); }

  // Marks the variable ready with an error: every recv() and co_await throws it.
  void croak(std::exception_ptr error) {
    state_->error = std::move(error);
    state_->error_observed = false;
    fire();
  }
  void croak(std::string_view message) {
    croak(std::make_exception_ptr(std::runtime_error(std::string(message))));
  }

  // True after send() or croak().
  bool ready() const noexcept { return state_->ready; }

  // Runs the current loop until the variable is ready, then returns its values (copied, or moved
  // out when they cannot be copied) or throws its croak. Never blocks once ready.
  // Errors: std::logic_error when called while another recv() is waiting on this thread's loop
  // (from inside a callback that the waiting recv() runs): "recursive blocking wait attempted".
  // `where`, left to its default, is for //debug's strict mode (core/debug_hook.h).
  value_type recv(ae::SourceLocation where = ae::SourceLocation::current()) {
    if (!state_->ready) {
      Loop& loop = Loop::current();
      core_internal::BlockingWait wait(loop, where);
      while (!state_->ready) loop.run_once(true);
    }
    return result();
  }

  // Runs the current loop until the variable is ready or `timeout` has passed; returns ready().
  // The same recursion rule as recv() applies.
  bool wait_for(Seconds timeout, ae::SourceLocation where = ae::SourceLocation::current()) {
    if (state_->ready) return true;
    Loop& loop = Loop::current();
    core_internal::BlockingWait wait(loop, where);
    bool expired = false;
    Timer limit = loop.timer(timeout, [&expired] { expired = true; });
    while (!state_->ready && !expired) loop.run_once(true);
    return state_->ready;
  }

  // Sets the one-shot callback, called as f(cv) or f() when the variable becomes ready, then
  // dropped. If it is ready already, f runs at once, inside this call.
  template <class F>
  void cb(F&& f) {
    if constexpr (std::is_invocable_v<F&, CondVar&>) {
      state_->cb = std::forward<F>(f);
    } else {
      state_->cb = [g = std::forward<F>(f)](CondVar&) mutable { g(); };
    }
    if (state_->ready) run_cb();
  }

  // Counts one more outstanding task; `group` (if given) replaces the function end() calls.
  template <class F = std::nullptr_t>
  void begin(F&& group = nullptr) {
    ++state_->counter;
    if constexpr (!std::is_same_v<std::remove_cvref_t<F>, std::nullptr_t>) {
      if constexpr (std::is_invocable_v<F&, CondVar&>) {
        state_->group = std::forward<F>(group);
      } else {
        state_->group = [g = std::forward<F>(group)](CondVar&) mutable { g(); };
      }
    }
  }

  // Counts one task done. When the count reaches exactly zero, calls the group function from
  // begin(), or send() with default values when there is none. As in AnyEvent, more end() than
  // begin() calls take the count below zero, where it never fires.
  void end() {
    if (--state_->counter != 0) return;
    if (state_->group) {
      state_->group(*this);
    } else if constexpr ((std::is_default_constructible_v<T> && ...)) {
      send(T{}...);
    } else {
      throw std::logic_error("ae::CondVar::end: no group callback and no default values to send");
    }
  }

  // co_await cv: suspends until the variable is ready, then yields recv()'s result. The
  // coroutine resumes on the loop it suspended on, after the callback that sent returns. When
  // that loop is destroyed first (nobody sent, or the resumption was still waiting), the
  // coroutine is destroyed instead and never resumes (core/task.h).
  auto operator co_await() const noexcept {
    struct Awaiter : core_internal::SuspendedAwait {
      explicit Awaiter(std::shared_ptr<State> s) noexcept : state(std::move(s)) {}
      // Destroyed while suspended: the loop is destroying the coroutine.
      ~Awaiter() { std::erase(state->awaiters, this); }
      bool await_ready() const noexcept { return state->ready; }
      void await_suspend(std::coroutine_handle<> h) {
        Loop& current = Loop::current();
        auto& suspended = current.service<core_internal::SuspendedCoroutines>();
        state->awaiters.push_back(this);
        handle = h;
        loop = &current;
        suspended.link(*this);
      }
      value_type await_resume() {
        if (auto* suspended = loop != nullptr
                                  ? loop->find_service<core_internal::SuspendedCoroutines>()
                                  : nullptr) {
          suspended->unlink(*this);
        }
        return CondVar(state).result();
      }
      std::shared_ptr<State> state;
    };
    return Awaiter(state_);
  }

 private:
  struct State {
    std::optional<std::tuple<T...>> values;
    std::exception_ptr error;
    bool error_observed = false;
    bool ready = false;
    long counter = 0;
    Function<void(CondVar&)> cb;
    Function<void(CondVar&)> group;
    std::vector<core_internal::SuspendedAwait*> awaiters;  // coroutines in co_await

    ~State() {
      if (error && !error_observed) core_internal::report_unobserved_croak(error);
    }
  };

  explicit CondVar(std::shared_ptr<State> state) : state_(std::move(state)) {}

  void fire() {
    state_->ready = true;
    // Each coroutine resumes on its own loop, which destroys it instead if it goes first.
    for (core_internal::SuspendedAwait* a : std::exchange(state_->awaiters, {})) {
      a->loop->postpone([h = a->handle] { h.resume(); });
    }
    if (state_->cb) run_cb();
  }

  void run_cb() {
    Function<void(CondVar&)> f = std::move(state_->cb);
    state_->cb = nullptr;
    f(*this);
  }

  value_type result() {
    if (state_->error) {
      state_->error_observed = true;
      std::rethrow_exception(state_->error);
    }
    if constexpr (sizeof...(T) == 0) {
      return;
    } else if constexpr (sizeof...(T) == 1) {
      if constexpr (std::is_copy_constructible_v<value_type>) {
        return std::get<0>(*state_->values);
      } else {
        return std::move(std::get<0>(*state_->values));
      }
    } else {
      if constexpr (std::is_copy_constructible_v<std::tuple<T...>>) {
        return *state_->values;
      } else {
        return std::move(*state_->values);
      }
    }
  }

  std::shared_ptr<State> state_;
};

}  // namespace ae
