#include "fork/fork.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "core/log_hook.h"
#include "fork/internal/fd.h"
#include "fork/internal/reap.h"
#include "fork/internal/registry.h"
#include "fork/internal/serve.h"
#include "fork/internal/writer.h"

extern char** environ;

namespace ae::fork_internal {

using fork::ExitInfo;

// How a template is reached: a socket to a local server, or an ssh command line per worker.
struct TemplateState {
  std::mutex mutex;  // requests from several threads to one template are serialised
  UniqueFd ctl;      // blocking; the server reads requests at once
  pid_t pid = 0;     // a child of ours (new_exec), else 0
  bool remote = false;
  std::vector<std::string> ssh_argv;
  std::string program;

  ~TemplateState() {
    ctl.reset();  // the server sees EOF and exits
    reap_later(pid);
  }
};

// The parent's view of one worker: its control socket, and how its end is learned.
struct ProcessState {
  Loop* loop = nullptr;
  UniqueFd ctl;
  pid_t pid = 0;
  std::optional<ExitInfo> exit;
  Function<void(const ExitInfo&)> on_exit;

  // Local workers: the status pipe from the server that forked the worker.
  UniqueFd status;
  std::string status_bytes;
  Io status_watcher;
  // Remote workers: the ssh client (our child) and its stderr.
  pid_t ssh_pid = 0;
  UniqueFd ssh_stderr;
  Io stderr_watcher;
  Child ssh_watcher;
  std::optional<int> ssh_status;
  bool stderr_eof = false;
  std::string stderr_line;
  std::optional<int> remote_status;
  std::string stderr_tail;

  ~ProcessState() {
    if (ssh_pid > 0 && !ssh_status) {
      ssh_watcher.reset();
      ::kill(ssh_pid, SIGTERM);
      reap_later(ssh_pid);
    }
  }

  // The pid may not have been read yet when the worker has already written to its channel:
  // the server writes it right after the fork, so wait for it briefly.
  void ensure_pid() {
    if (pid != 0 || !status) return;
    pollfd p{status.get(), POLLIN, 0};
    while (pid == 0 && status && ::poll(&p, 1, 1000) > 0) read_status();
  }

  void watch_status_pipe() {
    set_nonblocking(status.get(), true);
    status_watcher = loop->io(status.get(), kRead, [this] { read_status(); });
  }

  void read_status() {
    char buf[8];
    ssize_t n = ::read(status.get(), buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0) {
      status_bytes.append(buf, static_cast<std::size_t>(n));
      if (status_bytes.size() >= 4 && pid == 0)
        pid = static_cast<pid_t>(get_u32(status_bytes.data()));
      return;
    }
    status_watcher.reset();
    status.reset();
    ExitInfo info;
    if (status_bytes.size() >= 8) {
      info.wait_status = static_cast<int>(get_u32(status_bytes.data() + 4));
    } else if (status_bytes.size() < 4) {
      info.detail = "the template could not fork";
    } else {
      info.detail = "its parent process stopped reporting";
    }
    finish(std::move(info));
  }

  void watch_ssh() {
    set_nonblocking(ssh_stderr.get(), true);
    stderr_watcher = loop->io(ssh_stderr.get(), kRead, [this] { read_stderr(); });
    ssh_watcher = loop->child(ssh_pid, [this](pid_t, int st) {
      ssh_status = st;
      maybe_finish_remote();
    });
  }

  void read_stderr() {
    char buf[4096];
    ssize_t n = ::read(ssh_stderr.get(), buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
      stderr_eof = true;
      stderr_watcher.reset();
      if (!stderr_line.empty()) stderr_text_line(std::exchange(stderr_line, {}));
      maybe_finish_remote();
      return;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        stderr_text_line(std::exchange(stderr_line, {}));
      } else if (stderr_line.size() < 4096) {
        stderr_line.push_back(buf[i]);
      }
    }
  }

  void stderr_text_line(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return;
    if (line.rfind(kExitMarker, 0) == 0) {
      remote_status = std::atoi(line.c_str() + std::strlen(kExitMarker));
      return;
    }
    // A peer's bytes: no control characters reach a terminal or a log.
    for (char& c : line) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    if (core_log_enabled(LogLevel::kWarn, "ae::fork")) {
      core_log(LogLevel::kWarn, "ae::fork", "remote worker: " + line);
    }
    stderr_tail = std::move(line);
  }

  void maybe_finish_remote() {
    if (!ssh_status || !stderr_eof) return;
    ssh_watcher.reset();
    ExitInfo info;
    if (remote_status) {
      info.wait_status = remote_status;
    } else {
      info.detail = "ssh " + fork::describe_wait_status(*ssh_status);
      if (!stderr_tail.empty()) info.detail += ": " + stderr_tail;
    }
    finish(std::move(info));
  }

  void finish(ExitInfo info) {
    exit = std::move(info);
    if (on_exit) {
      auto cb = std::move(on_exit);
      on_exit = nullptr;
      cb(*exit);
    }
  }
};

// A process being prepared: its commands go through a non-blocking writer.
struct ForkState {
  std::shared_ptr<ProcessState> process;
  std::shared_ptr<TemplateState> templ;  // remote forks replay their arguments on fork()
  std::unique_ptr<Writer> writer;
  std::vector<std::string> replay;
  bool remote = false;

  static std::shared_ptr<ForkState> make(const std::shared_ptr<TemplateState>& t);
  static std::shared_ptr<ForkState> local(Loop& loop, UniqueFd ctl, UniqueFd status) {
    auto s = std::make_shared<ForkState>();
    s->process = std::make_shared<ProcessState>();
    s->process->loop = &loop;
    set_nonblocking(ctl.get(), true);
    s->process->ctl = std::move(ctl);
    s->process->status = std::move(status);
    s->process->watch_status_pipe();
    s->writer = std::make_unique<Writer>(loop, s->process->ctl.get());
    return s;
  }
  static fork::Process to_process(std::shared_ptr<ProcessState> p) {
    fork::Process out;
    out.state_ = std::move(p);
    return out;
  }
};

namespace {

std::mutex g_early_mutex;
// Never destroyed: at exit the template sees EOF and ends by itself, and a destructor running
// after the thread's loop is gone must not try to reap it.
std::shared_ptr<TemplateState>& g_early = *new std::shared_ptr<TemplateState>;

std::shared_ptr<ForkState> spawn_remote(const std::shared_ptr<TemplateState>& t) {
  Loop& loop = Loop::current();
  auto [mine, theirs] = socket_pair();
  auto [err_r, err_w] = make_pipe();
  std::vector<std::string> argv = t->ssh_argv;
  argv.push_back(t->program);
  argv.push_back(kServeFlag);
  argv.push_back("stdio");
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, theirs.get(), 0);
  posix_spawn_file_actions_adddup2(&fa, theirs.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, err_w.get(), 2);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "ae::fork: spawning ssh");
  auto s = std::make_shared<ForkState>();
  s->remote = true;
  s->templ = t;
  s->process = std::make_shared<ProcessState>();
  s->process->loop = &loop;
  set_nonblocking(mine.get(), true);
  s->process->ctl = std::move(mine);
  s->process->ssh_pid = pid;
  s->process->ssh_stderr = std::move(err_r);
  s->process->watch_ssh();
  s->writer = std::make_unique<Writer>(loop, s->process->ctl.get());
  return s;
}

}  // namespace

std::shared_ptr<ForkState> ForkState::make(const std::shared_ptr<TemplateState>& t) {
  if (t->remote) return spawn_remote(t);
  Loop& loop = Loop::current();
  auto [mine, theirs] = socket_pair();
  auto [status_r, status_w] = make_pipe();
  {
    std::lock_guard lock(t->mutex);
    int fds[2] = {theirs.get(), status_w.get()};
    if (!send_all(t->ctl.get(), command(kCmdFork), fds)) {
      throw std::system_error(errno, std::generic_category(), "ae::fork: the template is gone");
    }
  }
  return local(loop, std::move(mine), std::move(status_r));
}

}  // namespace ae::fork_internal

namespace ae::fork {

using namespace fork_internal;

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    std::string name(sig2name(sig));
    std::string out = "killed by signal " + std::to_string(sig);
    if (!name.empty() || WCOREDUMP(status)) {
      out += " (";
      if (!name.empty()) out += "SIG" + name;
      if (WCOREDUMP(status)) out += name.empty() ? "core dumped" : ", core dumped";
      out += ")";
    }
    return out;
  }
  return "ended with wait status " + std::to_string(status);
}

std::string ExitInfo::describe() const {
  std::string out = wait_status ? describe_wait_status(*wait_status) : "exit status unknown";
  if (!detail.empty()) out += " (" + detail + ")";
  return out;
}

void init(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], kServeFlag) != 0) continue;
    if (std::strcmp(argv[i + 1], "stdio") == 0) serve_stdio();
    int fd = std::atoi(argv[i + 1]);
    int keep[] = {0, 1, 2, fd};
    close_fds_except(keep);
    serve_socket(fd);
  }
  std::lock_guard lock(g_early_mutex);
  if (g_early) return;
  if (Loop::current_if_any() != nullptr) {
    throw std::logic_error("ae::fork::init: call it before any ae loop exists");
  }
  auto [mine, theirs] = socket_pair();
  pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "ae::fork::init: fork");
  if (pid == 0) {
    mine.reset();
    serve_socket(theirs.release());
  }
  auto t = std::make_shared<TemplateState>();
  t->ctl = std::move(mine);
  t->pid = pid;
  g_early = std::move(t);
}

// ---- Process -------------------------------------------------------------------------------

Process::Process(Process&&) noexcept = default;
Process& Process::operator=(Process&&) noexcept = default;
Process::~Process() = default;

int Process::fd() const noexcept { return state_ ? state_->ctl.get() : -1; }
int Process::release_fd() noexcept { return state_ ? state_->ctl.release() : -1; }
pid_t Process::pid() const noexcept {
  if (!state_) return 0;
  return state_->ssh_pid ? state_->ssh_pid : state_->pid;
}

void Process::on_exit(Function<void(const ExitInfo&)> cb) {
  if (!state_) return;
  if (state_->exit && cb) {
    std::weak_ptr<ProcessState> weak = state_;
    state_->loop->postpone([weak, cb = std::move(cb)]() mutable {
      if (auto s = weak.lock()) cb(*s->exit);
    });
    return;
  }
  state_->on_exit = std::move(cb);
}

const std::optional<ExitInfo>& Process::exit_info() const noexcept {
  static const std::optional<ExitInfo> kNone;
  return state_ ? state_->exit : kNone;
}

void Process::kill(int signum) noexcept {
  if (state_) state_->ensure_pid();
  pid_t p = pid();
  if (p > 0 && state_ && !state_->exit && !(state_->ssh_pid && state_->ssh_status)) {
    ::kill(p, signum);
  }
}

// ---- Template ------------------------------------------------------------------------------

Template Template::early() {
  std::lock_guard lock(g_early_mutex);
  if (!g_early) {
    throw std::logic_error("ae::fork: call ae::fork::init(argc, argv) at the top of main first");
  }
  Template t;
  t.state_ = g_early;
  return t;
}

Template Template::new_exec() {
  auto [mine, theirs] = socket_pair();
  // The server finds its socket as fd 3 (dup2 onto itself would keep close-on-exec set).
  UniqueFd spare;
  if (theirs.get() == 3) spare = std::exchange(theirs, dup_cloexec(theirs.get()));
  char exe[] = "/proc/self/exe";
  char flag[] = "--ae-fork-serve";
  char fdarg[] = "3";
  char* argv[] = {exe, flag, fdarg, nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, theirs.get(), 3);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, exe, &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "ae::fork::new_exec");
  Template t;
  t.state_ = std::make_shared<TemplateState>();
  t.state_->ctl = std::move(mine);
  t.state_->pid = pid;
  return t;
}

Template Template::remote(std::vector<std::string> ssh_argv, std::string program) {
  if (ssh_argv.empty())
    throw std::invalid_argument("ae::fork::Template::remote: empty ssh command");
  Template t;
  t.state_ = std::make_shared<TemplateState>();
  t.state_->remote = true;
  t.state_->ssh_argv = std::move(ssh_argv);
  t.state_->program = std::move(program);
  return t;
}

pid_t Template::pid() const noexcept { return state_ ? state_->pid : 0; }
bool Template::is_remote() const noexcept { return state_ && state_->remote; }

// ---- Fork ----------------------------------------------------------------------------------

Fork::Fork() : Fork(Template::early()) {}
Fork::Fork(const Template& t) : state_(ForkState::make(t.state_)) {}
Fork::Fork(Fork&&) noexcept = default;
Fork& Fork::operator=(Fork&&) noexcept = default;
Fork::~Fork() = default;

Fork& Fork::send_arg(std::string arg) {
  if (!state_) throw std::logic_error("ae::fork::Fork: empty");
  if (state_->remote) state_->replay.push_back(arg);
  state_->writer->push(command(kCmdArg, arg));
  return *this;
}

Fork& Fork::send_fh(int fd) {
  if (!state_) throw std::logic_error("ae::fork::Fork: empty");
  if (state_->remote) throw std::logic_error("ae::fork::Fork::send_fh: fds cannot go over ssh");
  std::vector<UniqueFd> fds;
  fds.push_back(dup_cloexec(fd));
  state_->writer->push(command(kCmdFd), std::move(fds));
  return *this;
}

Fork Fork::fork() {
  if (!state_) throw std::logic_error("ae::fork::Fork: empty");
  if (state_->remote) {
    auto clone = spawn_remote(state_->templ);
    for (auto& a : state_->replay) {
      clone->replay.push_back(a);
      clone->writer->push(command(kCmdArg, a));
    }
    return Fork(std::move(clone));
  }
  auto [mine, theirs] = socket_pair();
  auto [status_r, status_w] = make_pipe();
  std::vector<UniqueFd> fds;
  fds.push_back(std::move(theirs));
  fds.push_back(std::move(status_w));
  state_->writer->push(command(kCmdFork), std::move(fds));
  return Fork(ForkState::local(*state_->process->loop, std::move(mine), std::move(status_r)));
}

void Fork::run(std::string name, Function<void(Process)> cb) {
  if (!state_) throw std::logic_error("ae::fork::Fork: empty");
  if (!find_entry(name)) {
    throw std::logic_error("ae::fork::Fork::run: no function registered as " + name);
  }
  auto s = std::move(state_);
  s->writer->push(command(kCmdRun, name));
  Writer* w = s->writer.get();
  w->on_flushed([s, cb = std::move(cb)](std::error_code) mutable {
    // The writer is done; free it outside its own callback.
    auto state = std::move(s);
    auto done = std::move(cb);
    Loop* loop = state->process->loop;
    loop->postpone([writer = std::move(state->writer)] {});
    done(ForkState::to_process(std::move(state->process)));
  });
}

pid_t Fork::pid() const noexcept {
  if (!state_) return 0;
  return state_->process->ssh_pid ? state_->process->ssh_pid : state_->process->pid;
}

}  // namespace ae::fork
