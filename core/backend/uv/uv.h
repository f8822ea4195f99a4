// The libuv backend (//core/backend/uv): ae's loop on a uv_loop_t, owned or borrowed.
//
// Linking this target registers the model "uv", so AE_MODEL=uv picks it for default loops.
// Borrowing the program's uv_loop_t makes ae's watchers fire from the program's own uv_run(),
// which returns when neither ae nor the program has anything left to wait for.
//
// Example (borrowing):
//   uv_loop_t* uv = uv_default_loop();
//   ae::Loop loop(ae::borrow_uv(uv));
//   ae::Loop::Scope scope(loop);
//   ae::Timer t = ae::timer(0.1, [] { /* ... */ });
//   uv_run(uv, UV_RUN_DEFAULT);
//
// Exceptions: libuv is C, so an exception must not unwind through uv_run(). When an ae callback
// throws, the backend stops the uv loop (uv_stop) and keeps the exception; Loop::run(),
// run_once() and CondVar::recv() rethrow it. A program that runs a borrowed loop with its own
// uv_run() gets it from ae::uv_rethrow_pending(loop) after uv_run() returns (it is also
// reported through the log hook).
//
// Nesting: libuv does not support uv_run() inside a uv callback. CondVar::recv() and wait_for(),
// Loop::run() and run_once() work inside ae's own callbacks (ae then waits on its own epoll fd
// without uv_run()), but must not be called from the program's own uv callbacks on a borrowed
// loop: there they would re-enter uv_run(). ae cannot tell those callbacks apart, and does not
// detect it; such a callback hands the work to an ae callback (ae::postpone) or sets cb() instead.
//
// Fork: in a forked child, ae calls uv_loop_fork() on the loop's uv_loop_t, owned or borrowed,
// before the child first uses the inherited loop (core/backend.h).
#pragma once

#include <memory>

#include "core/backend.h"

struct uv_loop_s;

namespace ae {

class Loop;

// A backend that owns a new uv_loop_t.
std::unique_ptr<Backend> make_uv_backend();

// A backend that borrows `loop`, which must outlive the ae loop made on it.
std::unique_ptr<Backend> borrow_uv(uv_loop_s* loop);

// The uv_loop_t under `loop`, or null when the loop is not on the uv backend.
uv_loop_s* uv_loop(Loop& loop) noexcept;

// Rethrows an exception an ae callback threw inside uv_run(), if one is kept.
void uv_rethrow_pending(Loop& loop);

}  // namespace ae
