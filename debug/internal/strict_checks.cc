#include "debug/internal/strict_checks.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "debug/internal/registry.h"
#include "debug/internal/state.h"
#include "debug/strict.h"

namespace ae::debug_internal {
namespace {

constexpr std::int64_t kFdCheckPeriodNs = 1'000'000'000;

[[noreturn]] void violation(ae::SourceLocation where, const std::string& what) {
  throw debug::StrictViolation("ae::debug strict: " + std::string(where.file_name()) + ":" +
                               std::to_string(where.line()) + ": " + what);
}

std::string number(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The loop's owner is the thread that last ran a dispatch of it; before its first dispatch any
// thread may prepare it.
void check_thread(LoopState* state, ae::SourceLocation where, const char* what) {
  if (state == nullptr) return;
  std::thread::id owner = state->owner.load(std::memory_order_acquire);
  if (owner != std::thread::id() && owner != std::this_thread::get_id()) {
    violation(where, std::string(what) + " on a thread other than the one that runs its loop");
  }
}

void check_io(const WatcherSpec& spec) {
  if (spec.fd < 0) violation(spec.where, "ae::io: negative fd " + std::to_string(spec.fd));
  struct stat st;
  if (::fstat(spec.fd, &st) != 0) {
    violation(spec.where, "ae::io: fd " + std::to_string(spec.fd) + " is not open");
  }
  if (S_ISREG(st.st_mode)) {
    violation(spec.where, "ae::io: fd " + std::to_string(spec.fd) +
                              " is a regular file, which is always ready (use //io for files)");
  }
}

void check_timer(const WatcherSpec& spec) {
  if (!std::isfinite(spec.after) || spec.after < 0) {
    violation(spec.where,
              "ae::timer: after " + number(spec.after) + " is not a finite number of seconds >= 0");
  }
  if (spec.repeating && (!std::isfinite(spec.interval) || spec.interval < 0)) {
    violation(spec.where, "ae::timer: interval " + number(spec.interval) +
                              " is not a finite number of seconds > 0 (or 0: once)");
  }
}

void check_signal(const WatcherSpec& spec) {
  if (spec.signum == 0 && !spec.signal_name.empty()) {
    violation(spec.where,
              "ae::signal: \"" + std::string(spec.signal_name) + "\" is not a signal name");
  }
  if (spec.signum <= 0 || spec.signum >= NSIG || spec.signum == SIGKILL || spec.signum == SIGSTOP) {
    violation(spec.where,
              "ae::signal: " + std::to_string(spec.signum) + " is not a catchable signal");
  }
}

}  // namespace

void strict_check_watcher(Loop& loop, const WatcherSpec& spec) {
  check_thread(state_of(debug_loop_id(loop)), spec.where,
               ("ae::" + std::string(watcher_type_name(spec.type)) + ": made").c_str());
  switch (spec.type) {
    case WatcherType::kIo:
      check_io(spec);
      break;
    case WatcherType::kTimer:
      check_timer(spec);
      break;
    case WatcherType::kSignal:
      check_signal(spec);
      break;
    case WatcherType::kChild:
      if (spec.pid < 0)
        violation(spec.where, "ae::child: negative pid " + std::to_string(spec.pid));
      break;
    case WatcherType::kIdle:
    case WatcherType::kPrepare:
    case WatcherType::kCheck:
    case WatcherType::kPeriodic:
      break;
  }
}

void strict_check_use(WatcherId watcher, ae::SourceLocation where) {
  LoopId loop = nullptr;
  {
    Registry& reg = registry();
    std::lock_guard lock(reg.mutex);
    if (Record* r = reg.find(watcher)) loop = r->loop;
  }
  if (loop == nullptr) return;  // made before //debug watched: nothing known of it
  std::string what =
      "ae::" + std::string(watcher_type_name(debug_watcher_type(watcher))) + ": re-armed";
  check_thread(state_of(loop), where, what.c_str());
}

void strict_check_wait(Loop& loop, ae::SourceLocation where) {
  check_thread(state_of(debug_loop_id(loop)), where, "ae::CondVar::recv: waiting");
  if (callback_depth() > 0) {
    std::uint64_t running = running_on_this_thread();
    std::string who = running != 0 ? " of watcher #" + std::to_string(running) : "";
    violation(where, "ae::CondVar::recv: a blocking wait inside a callback" + who +
                         " of the loop it would run (it can deadlock; use cb() or co_await)");
  }
}

void strict_check_fds(LoopState& state) {
  std::int64_t now = mono_ns();
  if (now < state.next_fd_check_ns) return;
  state.next_fd_check_ns = now + kFdCheckPeriodNs;
  std::vector<std::string> closed;
  {
    Registry& reg = registry();
    std::lock_guard lock(reg.mutex);
    for (auto& [id, r] : reg.by_id) {
      if (r->loop != state.id || r->type != WatcherType::kIo || r->destroyed || r->fd < 0 ||
          r->reported_closed) {
        continue;
      }
      if (::fcntl(r->fd, F_GETFD) == -1 && errno == EBADF) {
        r->reported_closed = true;
        closed.push_back("fd " + std::to_string(r->fd) + " of " + identity(*r) +
                         " is registered with ae but prematurely closed");
      }
    }
  }
  for (const std::string& line : closed) log_line(LogLevel::kCritical, line);
}

}  // namespace ae::debug_internal
