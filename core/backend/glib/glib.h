// The GLib backend (//core/backend/glib): ae's loop on a GLib GMainContext, owned or borrowed
// (AnyEvent::Impl::Glib's place).
//
// Linking this target registers the model "glib", so AE_MODEL=glib picks it for default loops.
// Borrowing a GMainContext (g_main_context_default() in a GTK program) makes ae's watchers fire
// from the program's own g_main_loop_run() or g_main_context_iteration(). ae adds one GSource to
// the context: it polls ae's epoll fd, carries the earliest timer deadline as its ready time,
// and asks for no wait while ae has work ready now; GLib never sees ae's own fds or timers.
//
// Example (borrowing, in a GTK program):
//   ae::Loop loop(ae::borrow_glib(g_main_context_default()));
//   ae::Loop::Scope scope(loop);
//   ae::Timer t = ae::timer(0.1, [] { ... });
//   gtk_main();   // or g_main_loop_run()
//
// Exceptions: GLib is C, so an exception must not unwind through it. When an ae callback throws,
// the backend keeps the exception; Loop::run(), run_once() and CondVar::recv() rethrow it after
// the GLib iteration. A program that iterates a borrowed context itself gets it from
// ae::glib_rethrow_pending(loop) (an exception never collected is reported through the log hook).
//
// Nesting: GLib allows a context to be iterated inside its own callbacks (ae's source may
// recurse), so CondVar::recv() works in ae's callbacks and in the program's GLib callbacks alike.
// The context must be iterated by the loop's thread (GLib's owner rule).
//
// Fork: GLib's contexts poll with poll(2), which keeps no kernel state, so a forked child's
// inherited context needs nothing; ae's epoll set is renewed by core (core/backend.h).
#pragma once

#include <memory>

#include "core/backend.h"

typedef struct _GMainContext GMainContext;  // NOLINT: GLib's own declaration, repeated

namespace ae {

class Loop;

// A backend that owns a new GMainContext.
std::unique_ptr<Backend> make_glib_backend();

// A backend that borrows `context` (holding a reference to it while the loop lives).
std::unique_ptr<Backend> borrow_glib(GMainContext* context);

// The GMainContext under `loop`, or null when the loop is not on the glib backend.
GMainContext* glib_context(Loop& loop) noexcept;

// Rethrows an exception an ae callback threw inside a GLib iteration, if one is kept.
void glib_rethrow_pending(Loop& loop);

}  // namespace ae
