// ae::debug::strict: AnyEvent::Strict for C++, argument and misuse checks that name the caller.
//
// While strict mode is on (AE_STRICT=1 in the environment at start-up, or strict(true)), every
// watcher made and every re-arm is checked before core acts on it, and a violation throws
// StrictViolation whose message names the program's own file and line (captured by the
// ae::SourceLocation default argument of ae::io(), ae::timer(), ...):
//   - a watcher made or re-armed (Io::start, Timer::set) on a thread other than the one that
//     runs its loop;
//   - an io watcher on a negative or closed fd, or on a regular file (always "ready", so a
//     watcher on one spins: AnyEvent::Strict refuses it too);
//   - a timer with a negative, NaN or infinite `after`, or an interval that is negative, NaN or
//     infinite. An interval of 0 passes: it means "once" in core as in AnyEvent, whose Strict
//     asks only that an interval, "if true, must be > 0";
//   - a signal number that is not a catchable signal, or a signal name that is not one;
//   - a child watcher for a negative pid;
//   - CondVar::recv() or wait_for() called from inside a callback of the loop it would run: the
//     nested wait AnyEvent warns can deadlock. (Core itself only refuses a second wait nested in
//     a first one.)
// Re-arming (Timer::set, Io::start) is checked for the thread only; core checks its arguments.
// Besides, once a second per loop (AnyEvent::Strict: every 4 s), the fds of its io watchers are
// checked, and one that was closed while still watched is logged once at crit level in the context
// "ae::debug", as AnyEvent::Strict does: "... registered but prematurely closed".
//
// With strict mode off, these checks cost nothing (core/debug_hook.h). With it on and no
// violation, a program behaves exactly as without it: strict mode only adds refusals.
//
// Example:
//   ae::debug::strict(true);
//   ae::Timer t = ae::timer(-1, [] {});  // throws StrictViolation:
//                                        // "ae::debug strict: main.cc:12: ae::timer: after -1 ..."
//
// Thread safety: strict() may be called from any thread; it affects the next check.
#pragma once

#include <stdexcept>
#include <string>

namespace ae::debug {

// What strict mode throws. A logic_error: it reports a programming mistake at a call site.
class StrictViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Turns strict mode on or off (AnyEvent::Strict, or AE_STRICT=1). Returns the previous setting.
bool strict(bool on);
// Whether strict mode is on.
bool strict_mode() noexcept;

}  // namespace ae::debug
