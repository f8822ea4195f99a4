// The libev backend (//core/backend/ev): ae's loop on a libev ev_loop, owned or borrowed.
//
// Linking this target registers the model "ev", so AE_MODEL=ev picks it for default loops.
// Borrowing the program's ev_loop makes ae's watchers fire from the program's own ev_run(),
// which returns when neither ae nor the program has anything left to wait for. ae adds three
// watchers to that loop (an ev_io on ae's epoll fd, an ev_timer for the earliest deadline, an
// ev_idle at EV_MAXPRI for work that is ready now); libev never sees ae's own fds or timers.
//
// Example (borrowing):
//   struct ev_loop* ev = ev_default_loop(0);
//   ae::Loop loop(ae::borrow_ev(ev));
//   ae::Loop::Scope scope(loop);
//   ae::Timer t = ae::timer(0.1, [] { ... });
//   ev_run(ev, 0);
//   ae::ev_rethrow_pending(loop);
//
// Exceptions: libev is C (its functions are noexcept to C++), so an exception must not unwind
// through ev_run(). When an ae callback throws, the backend breaks out of the innermost ev_run()
// (ev_break) and keeps the exception; Loop::run(), run_once() and CondVar::recv() rethrow it. A
// program that runs a borrowed loop with its own ev_run() gets it from ae::ev_rethrow_pending(loop)
// afterwards (an exception never collected is reported through the log hook).
//
// Nesting: libev allows ev_run() inside its callbacks, so CondVar::recv() works in ae's callbacks
// and in the program's own libev callbacks alike.
//
// Unreferenced watchers (WatcherHandle::unref): when only those are left, ae withdraws its libev
// watchers (as on Asio), so ev_run() returns; they fire again once a referenced watcher exists.
//
// Fork: in a forked child, ae calls ev_loop_fork() on the loop's ev_loop, owned or borrowed,
// before the child first uses the inherited loop (core/backend.h).
#pragma once

#include <memory>

#include "core/backend.h"

struct ev_loop;

namespace ae {

class Loop;

// A backend that owns a new ev_loop (ev_loop_new with libev's default flags).
std::unique_ptr<Backend> make_ev_backend();

// A backend that borrows `loop`, which must outlive the ae loop made on it.
std::unique_ptr<Backend> borrow_ev(struct ev_loop* loop);

// The ev_loop under `loop`, or null when the loop is not on the ev backend.
struct ev_loop* ev_loop_of(Loop& loop) noexcept;

// Rethrows an exception an ae callback threw inside ev_run(), if one is kept.
void ev_rethrow_pending(Loop& loop);

}  // namespace ae
