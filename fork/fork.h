// ae::fork::Fork: AnyEvent::Fork for C++ — worker processes forked from a small template
// process instead of from the (big, threaded, loop-running) program itself.
//
// C++ cannot send code to a child, so a child runs a function registered by name in the same
// binary. A program calls ae::fork::init(argc, argv) first thing in main(): in a normal run it
// forks the early template (AnyEvent::Fork::Early) while the process has no threads and no loop;
// in a process started as `program --ae-fork-serve ...` (Template::new_exec, or a remote worker
// started over ssh) it serves fork requests instead and never returns.
//
// Example:
//   void echo_child(ae::fork::Channel ch, ae::fork::Args args) {  // runs in the child
//     ::write(ch.out, args.strings[0].data(), args.strings[0].size());
//   }
//   AE_FORK_FUNCTION("echo_child", echo_child);
//
//   int main(int argc, char** argv) {
//     ae::fork::init(argc, argv);
//     ae::CondVar<std::string> got;
//     ae::fork::Fork().send_arg("hello").run("echo_child", [&](ae::fork::Process p) {
//       ...read "hello" from p.fd()...
//     });
//   }
//
// What a child may use. A worker forked from a template (early, exec'd or remote) starts in a
// process that never ran an ae loop and has exactly one thread: it may use everything, ae
// included; its first watcher makes a fresh loop. A child forked straight from the program
// (fork_call's function, run_cmd's on_prepare) is a copy of a process that may have threads and
// a running loop: it may use memory it inherited, malloc, plain system calls and blocking I/O,
// and ae through a fresh loop that is made current there (new watchers and CondVars work; none
// of the parent's callbacks ever runs there), but no watcher, loop or CondVar of the parent's,
// and no lock another thread may have held at the fork.
//
// Thread safety: Fork, Process and Template objects belong to the loop thread that made them.
// The early template is shared by every thread (requests to it are serialised).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/function.h"
#include "core/loop.h"

namespace ae::fork_internal {
struct ForkState;
struct ProcessState;
struct TemplateState;
}  // namespace ae::fork_internal

namespace ae::fork {

// What Fork::send_arg and send_fh gave a child, in order of each kind. The child owns the fds.
struct Args {
  std::vector<std::string> strings;
  std::vector<int> fds;
};

// The child's end of its control channel: one socket locally (in == out); stdin and stdout for
// a worker started over ssh.
struct Channel {
  int in = -1;
  int out = -1;
};

// A function a child runs (Fork::run). The child exits with status 0 when it returns, or 1 when
// it throws (the exception's message goes to stderr).
using ChildFunction = void (*)(Channel channel, Args args);

// Registers `fn` under `name` for Fork::run. Call during static initialisation (that is what
// AE_FORK_FUNCTION does) so that every process running this binary knows the same names.
// Errors: std::logic_error for a name registered twice.
void register_function(std::string_view name, ChildFunction fn);

#define AE_FORK_CONCAT_INNER(a, b) a##b
#define AE_FORK_CONCAT(a, b) AE_FORK_CONCAT_INNER(a, b)
// Registers a child function (plain, RPC sync, RPC async, init or done; see fork/rpc.h) by name.
#define AE_FORK_FUNCTION(name, fn)                                                   \
  [[maybe_unused]] static const bool AE_FORK_CONCAT(ae_fork_registered_, __LINE__) = \
      (::ae::fork::register_function((name), (fn)), true)

// Call first in main(), before any thread or ae loop exists. In a process started to serve
// (`--ae-fork-serve` in argv) it serves and exits, never returning. Otherwise it forks the early
// template that Fork() uses. Calling it twice does nothing the second time.
// Errors: std::logic_error when an ae loop already exists on this thread; std::system_error when
// the template cannot be forked.
void init(int argc, char** argv);

// How a process ended.
struct ExitInfo {
  // The wait status (waitpid's), when the process that reaped it could report it.
  std::optional<int> wait_status;
  // Extra words from the transport ("ssh: connection closed by ..."), may be empty.
  std::string detail;
  // "exited with status 3", "killed by signal 9 (KILL)", "exit status unknown".
  std::string describe() const;
};

// Describes a waitpid(2) status: "exited with status 3", "killed by signal 6 (ABRT, core dumped)".
std::string describe_wait_status(int status);

// A running worker, as Fork::run hands it over: its control socket and its exit report.
class Process {
 public:
  Process() = default;
  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;
  ~Process();

  // The parent's end of the control socket: non-blocking, close-on-exec, owned by the Process.
  int fd() const noexcept;
  // Takes the fd out of the Process (the caller closes it).
  int release_fd() noexcept;
  // The worker's pid once known (0 before that; local workers report it right after the fork).
  pid_t pid() const noexcept;
  // Calls `cb` once, from the loop, when the process has ended (never inside this call). Replaces
  // an earlier callback. Destroying the Process cancels it.
  void on_exit(Function<void(const ExitInfo&)> cb);
  // The exit report, once it came.
  const std::optional<ExitInfo>& exit_info() const noexcept;
  // Sends `signum` to the worker if it is known and has not been reported dead.
  void kill(int signum) noexcept;
  explicit operator bool() const noexcept { return state_ != nullptr; }

 private:
  friend struct fork_internal::ForkState;
  std::shared_ptr<fork_internal::ProcessState> state_;
};

// Where workers come from: the early template (from init()), a freshly exec'd copy of the
// program (new_exec), or a program started on another host over ssh (remote).
class Template {
 public:
  // The template init() forked. Errors: std::logic_error when init() was not called.
  static Template early();
  // Starts `/proc/self/exe --ae-fork-serve 3` as a new template (AnyEvent::Fork->new_exec): a
  // process that never forks a copy of this one's threads or loop. The program must call init().
  // Errors: std::system_error when the program cannot be started.
  static Template new_exec();
  // Workers on another host: each worker is `ssh_argv... program --ae-fork-serve stdio`, for
  // example {"ssh", "-p", "2222", "host"} and "/opt/app/bin/worker" (the same binary, built for
  // that host). fds cannot travel over ssh: send_fh on such a Fork throws std::logic_error.
  static Template remote(std::vector<std::string> ssh_argv, std::string program);

  // The template's pid (a child of this process) for early and new_exec templates; 0 for remote.
  pid_t pid() const noexcept;
  bool is_remote() const noexcept;

 private:
  friend class Fork;
  std::shared_ptr<fork_internal::TemplateState> state_;
};

// A process being prepared (AnyEvent::Fork): arguments and fds are queued, then run() names the
// function it runs. Commands are written without blocking; a process object destroyed before
// run() closes its socket and the child exits.
class Fork {
 public:
  // A new process from the early template.
  Fork();
  // A new process from `t`, on the current thread's loop.
  explicit Fork(const Template& t);
  Fork(Fork&&) noexcept;
  Fork& operator=(Fork&&) noexcept;
  ~Fork();

  // Queues a string argument for the child.
  Fork& send_arg(std::string arg);
  // Queues a copy of `fd` (duplicated now; the caller may close its own) for the child.
  // Errors: std::system_error(EBADF) for a closed fd; std::logic_error on a remote Fork.
  Fork& send_fh(int fd);
  // Clones this process, including the arguments and fds already queued (for pre-fork pools).
  Fork fork();
  // Makes the child run the function registered as `name` with the queued arguments, then calls
  // cb(process) once from the loop after every command was written (never inside this call).
  // If writing fails (the child died), cb still runs; the process then reports its end. The Fork
  // is empty afterwards.
  // Errors: std::logic_error for an unregistered name or an empty Fork.
  void run(std::string name, Function<void(Process)> cb);

  // The child's pid once known, else 0.
  pid_t pid() const noexcept;
  explicit operator bool() const noexcept { return state_ != nullptr; }

 private:
  explicit Fork(std::shared_ptr<fork_internal::ForkState> s) : state_(std::move(s)) {}
  std::shared_ptr<fork_internal::ForkState> state_;
};

}  // namespace ae::fork
