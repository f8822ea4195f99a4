// fork_call and run_cmd (AnyEvent::Util): a function run in a forked copy of this process, and
// a command run with its fds redirected — both reaped through core's child watcher, never with a
// blocking waitpid.
//
// Example:
//   ae::fork::fork_call([n] { return ae::fork::Json(expensive(n)); },
//                       [](ae::Result<ae::fork::Json> r) { ... });
//
//   std::string out;
//   ae::fork::RunCmdOptions o;
//   o.redirect(0, ae::fork::Redirect::from_string("hello\n"))
//    .redirect(1, ae::fork::Redirect::to_string(&out));
//   int status = ae::fork::run_cmd({"tr", "a-z", "A-Z"}, std::move(o)).recv();  // out: "HELLO\n"
//
// What the children may do: fork_call's function and run_cmd's on_prepare run in a plain copy
// of this process, which may have other threads and a running loop (see fork/fork.h): memory,
// malloc and system calls are fine, and so is ae: a fresh loop is the current one there, so new
// watchers and CondVars work and none of the parent's callbacks runs. Watchers, CondVars and
// loops of the parent's must not be used.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/condvar.h"
#include "core/function.h"
#include "core/result.h"
#include "fork/rpc.h"

namespace ae::fork {

// ---- fork_call -------------------------------------------------------------------------------

// Runs `fn` in a forked child and calls cb once, from the loop, with its result (or an error:
// the exception's message, RpcErrc::kWorkerException; or how the child died, kWorkerDied).
// At most max_forks() children run at once; more calls wait in FIFO order. The child never
// runs the loop; it is reaped through a child watcher once its result pipe reached EOF.
// A fork that fails with EAGAIN or ENOMEM while another fork_call runs is retried when that
// one ends; otherwise the error reaches cb.
void fork_call(Function<Json()> fn, Function<void(Result<Json>)> cb);
// The limit, $AnyEvent::Util::MAX_FORKS: AE_MAX_FORKS from the environment, default 10.
std::size_t max_forks() noexcept;
void set_max_forks(std::size_t n) noexcept;
// fork_call children running now on this thread's loop.
std::size_t fork_calls_running() noexcept;

// ---- run_cmd ---------------------------------------------------------------------------------

// Where one fd of the child goes (AnyEvent::Util::run_cmd's "N>" and "N<" values).
class Redirect {
 public:
  // Output: the child's fd is written to `path` (truncated; opened in the child: exit 125 when
  // that fails).
  static Redirect to_file(std::string path);
  // Output: what the child writes is appended to *out.
  static Redirect to_string(std::string* out);
  // Output: cb(chunk) every time up to 16 KiB arrived, then cb("") once at EOF.
  static Redirect to_callback(Function<void(std::string_view chunk)> cb);
  // Input: the child reads `path` (exit 125 when it cannot be opened).
  static Redirect from_file(std::string path);
  // Input: the child reads `data`, then EOF.
  static Redirect from_string(std::string data);
  // Input: the child reads what cb() returns, called each time the pipe can take more, until
  // it returns "" (EOF).
  static Redirect from_callback(Function<std::string()> cb);
  // Either direction: the child gets a duplicate of `fd` (the caller keeps its own).
  static Redirect to_fd(int fd);
  static Redirect from_fd(int fd) { return to_fd(fd); }

  struct File {
    std::string path;
    bool write;
  };
  struct Fd {
    int fd;
  };
  using Sink = std::variant<std::string*, Function<void(std::string_view)>>;
  using Source = std::variant<std::string, Function<std::string()>>;
  std::variant<File, Fd, Sink, Source> how;
};

struct RunCmdOptions {
  std::vector<std::pair<int, Redirect>> redirects;
  // Runs in the child after the redirections, before exec; an exception ends the child with
  // status 123.
  Function<void()> on_prepare;
  // Closes every fd but 0, 1, 2 and the redirected ones before exec.
  bool close_all = false;
  // Receives the child's pid before run_cmd returns ('$$' => \$pid).
  pid_t* pid = nullptr;

  RunCmdOptions& redirect(int fd, Redirect r) {
    redirects.emplace_back(fd, std::move(r));
    return *this;
  }
};

// Runs argv (argv[0] looked up in PATH) with `options`. The CondVar is sent the wait status
// ($?) once the process exited and every pipe redirection reached EOF or failed; never inside
// this call. Child exit codes for set-up failures, as AnyEvent's: 125 a file could not be
// opened, 124 dup failed, 123 dup2 failed or on_prepare threw, 126 exec failed.
// Errors: std::system_error when fork or a pipe fails; std::invalid_argument for empty argv or
// a negative fd.
CondVar<int> run_cmd(const std::vector<std::string>& argv, RunCmdOptions options = {});
// The argv that runs `command` with /bin/sh -c (AnyEvent's run_cmd with a string):
// run_cmd(shell("make && make test")).
inline std::vector<std::string> shell(std::string command) {
  return {"/bin/sh", "-c", std::move(command)};
}

// Closes every fd of this process except `keep` (AnyEvent::Util::close_all_fds_except); meant
// for a child just before exec.
void close_all_fds_except(std::span<const int> keep) noexcept;

}  // namespace ae::fork
