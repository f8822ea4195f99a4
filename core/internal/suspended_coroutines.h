// The coroutines suspended in `co_await` on a loop, so that the loop can destroy them when it
// goes first. Private to //core; used by CondVar's awaiter (core/condvar.h).
//
// A coroutine that waits on a CondVar nobody will send (every other copy was dropped; the
// coroutine's own copy keeps the variable, and so itself, alive), or whose resumption is still
// postponed, would otherwise never be resumed nor freed. Each such await registers here from
// await_suspend() until await_resume(); the loop's service shutdown destroys the frames that are
// left, while the loop is still whole, so their locals' destructors may still use it.
#pragma once

#include <coroutine>

#include "core/loop.h"

namespace ae::core_internal {

// One suspended `co_await`: lives in the coroutine's frame, linked while suspended.
struct SuspendedAwait {
  SuspendedAwait() = default;
  SuspendedAwait(const SuspendedAwait&) = delete;
  SuspendedAwait& operator=(const SuspendedAwait&) = delete;

  std::coroutine_handle<> handle;
  Loop* loop = nullptr;  // the loop it suspended on, and that resumes it
  SuspendedAwait* prev = nullptr;
  SuspendedAwait* next = nullptr;
  bool linked = false;
};

// The per-loop service holding the suspended awaits.
class SuspendedCoroutines {
 public:
  SuspendedCoroutines() = default;
  ~SuspendedCoroutines() { shutdown(); }
  SuspendedCoroutines(const SuspendedCoroutines&) = delete;
  SuspendedCoroutines& operator=(const SuspendedCoroutines&) = delete;

  void link(SuspendedAwait& a) noexcept {
    a.prev = nullptr;
    a.next = head_;
    if (head_ != nullptr) head_->prev = &a;
    head_ = &a;
    a.linked = true;
  }
  void unlink(SuspendedAwait& a) noexcept {
    if (!a.linked) return;
    (a.prev != nullptr ? a.prev->next : head_) = a.next;
    if (a.next != nullptr) a.next->prev = a.prev;
    a.prev = a.next = nullptr;
    a.linked = false;
  }

  // Destroys every coroutine still suspended on the loop (destroying one may end others).
  void shutdown() noexcept {
    while (head_ != nullptr) {
      SuspendedAwait* a = head_;
      unlink(*a);
      a->handle.destroy();
    }
  }

 private:
  SuspendedAwait* head_ = nullptr;
};

}  // namespace ae::core_internal
