// ae::debug::wrap and tracing: AnyEvent::Debug's wrapped watchers, for C++.
//
// While wrapping is on (AE_DEBUG_WRAP=1 or 2 in the environment at start-up, or wrap(level)),
// every watcher made is recorded in a registry: its type, its arguments (fd and direction,
// after/interval, signal, pid), where it was made (the file and line of the ae::io(),
// ae::timer(), ... call in the program's own source), the watcher whose callback was running
// when it was made, the time it was made, how often its callback ran, and the last ten
// exceptions its callback threw. Level 2 also keeps a backtrace of its creation. The registry
// also holds the watchers made while any other //debug feature is on (strict mode, metrics, the
// shell), so that the stall detector and the shell can name them; those are not traced unless
// asked.
//
// Tracing writes one line per create, enter, leave and destroy of a wrapped watcher to //log, in
// the context "ae::debug" at level trace (AnyEvent::Debug's creat/enter/leave lines), e.g.
//   trace: create #12 timer tests/debug/wrap_test.cc:42 after=0.5 parent=#3
//   trace: enter #12 timer tests/debug/wrap_test.cc:42
// It is on for every wrapped watcher by default (AnyEvent's $TRACE), and can be switched per
// watcher or globally. Show the lines with AE_LOG=ae::debug=+log or AE_VERBOSE=9.
//
// An exception thrown from a recorded watcher's callback is logged at error level with the
// watcher's identity, kept among its last errors, and then goes on exactly as core's rules say:
// out of run() or recv() to the program. (AnyEvent::Debug swallows it; ae does not, so that a
// program behaves the same with wrapping on and off.)
//
// Example:
//   ae::debug::wrap(1);
//   ae::Timer t = ae::timer(0.5, [] {});
//   for (const ae::debug::WatcherInfo& w : ae::debug::watchers()) std::puts(w.summary().c_str());
//
// Cost: nothing is installed while every feature is off; see core/debug_hook.h.
// Thread safety: every function here may be called from any thread; the registry covers the
// watchers of every loop in the process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/debug_hook.h"

namespace ae::debug {

// A snapshot of one recorded watcher.
struct WatcherInfo {
  std::uint64_t id = 0;  // from 1, in creation order; never reused
  WatcherType type = WatcherType::kIo;
  std::string file;  // where it was made
  unsigned line = 0;
  std::string function;      // the function that made it
  std::string arguments;     // "fd=5 write", "after=0.5 interval=1", "signal=TERM", "pid=42"
  std::uint64_t parent = 0;  // the watcher whose callback made it; 0: none
  double created = 0;        // ae::time() when it was made
  std::uint64_t invocations = 0;
  int wrap_level = 0;    // the wrap level it was made under (0: recorded for other features)
  bool traced = false;   // trace lines are written for it now
  bool running = false;  // its callback is running now
  std::vector<std::string> errors;     // the last errors its callback threw, oldest first
  std::vector<std::string> backtrace;  // its creation backtrace (level 2)

  // "#12 timer tests/debug/wrap_test.cc:42": how logs and the shell name it.
  std::string identity() const;
  // identity() plus arguments and invocation count: one line of the shell's `wl`.
  std::string summary() const;
  // Everything above, one item per line (AnyEvent::Debug's ->verbose; the shell's `w ID`).
  std::string verbose() const;
};

// Sets the wrap level (AnyEvent::Debug::wrap): 0 off, 1 record and trace, 2 also keep creation
// backtraces. Affects watchers made from now on. Returns the previous level.
// Errors: std::invalid_argument for a level outside 0..2.
int wrap(int level);
// The wrap level now.
int wrap_level() noexcept;

// Switches tracing of every wrapped watcher without a setting of its own (default: on).
void trace(bool on) noexcept;
bool tracing() noexcept;
// Switches tracing of watcher `id`, overriding the global switch. Returns false when no watcher
// has that id.
bool trace(std::uint64_t id, bool on);

// Every recorded watcher still alive, by id; those whose summary() contains `filter` when it is
// not empty.
std::vector<WatcherInfo> watchers(std::string_view filter = {});
// The recorded watcher `id`, if it is still alive.
std::optional<WatcherInfo> watcher(std::uint64_t id);
// The id of the watcher whose callback is running on this thread now (0: none): the innermost
// one when callbacks nest.
std::uint64_t running_watcher() noexcept;

}  // namespace ae::debug
