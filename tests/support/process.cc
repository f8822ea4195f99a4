#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "core/loop.h"

extern char** environ;

namespace ae::testing {
namespace {

// argv[0] itself when it has a '/', else the first executable of that name on PATH ("" if none).
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// The test's environment with `changes` ("NAME=value") applied.
std::vector<std::string> environment(const std::vector<std::string>& changes) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  for (const std::string& change : changes) {
    std::string name = change.substr(0, change.find('=') + 1);
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(name); });
    env.push_back(change);
  }
  return env;
}

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  int take_read() { return std::exchange(read, -1); }
  int take_write() { return std::exchange(write, -1); }
};

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const char* program, char* const* args, char* const* env, int in,
                             int out, int err, int report, pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
  if (::getppid() != parent) ::_exit(127);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(127);
  // Keep only the standard streams and the report pipe (close-on-exec): an inherited socket of
  // the test would keep a connection open that the test expects to close.
  if (report != 3 && ::dup2(report, 3) < 0) ::_exit(127);
  ::fcntl(3, F_SETFD, FD_CLOEXEC);
  ::syscall(SYS_close_range, 4u, ~0u, 0u);
  ::execve(program, args, env);
  int e = errno;
  (void)!::write(3, &e, sizeof e);
  ::_exit(127);
}

}  // namespace

Process::Process(std::vector<std::string> argv, ProcessOptions options) : argv_(std::move(argv)) {
  if (argv_.empty()) throw std::runtime_error("Process: empty command line");
  std::string program = find_program(argv_[0]);
  if (program.empty()) throw std::runtime_error("Process: " + argv_[0] + " not found on PATH");
  std::vector<std::string> env = environment(options.env);
  std::vector<char*> args, envp;
  for (std::string& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  bool want_stdin_pipe = options.stdin_pipe || options.stdin_data.has_value();
  int null_in = want_stdin_pipe ? -1 : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  Pipe in, out, err, report;
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    int e = errno;
    if (null_in >= 0) ::close(null_in);
    throw std::runtime_error(std::string("Process: fork: ") + std::strerror(e));
  }
  if (pid_ == 0) {
    exec_child(program.c_str(), args.data(), envp.data(), want_stdin_pipe ? in.read : null_in,
               out.write, err.write, report.write, parent);
  }
  ::setpgid(pid_, pid_);  // also here, so that signalling the group works at once
  if (null_in >= 0) ::close(null_in);
  ::close(report.take_write());
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(report.read, &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    ::waitpid(pid_, nullptr, 0);
    throw std::runtime_error("Process: cannot run " + program + ": " + std::strerror(exec_errno));
  }

  out_fd_ = out.take_read();
  err_fd_ = err.take_read();
  ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  out_watch_ = ae::io(out_fd_, kRead, [this] { read_into(out_fd_, out_, out_watch_); });
  err_watch_ = ae::io(err_fd_, kRead, [this] { read_into(err_fd_, err_, err_watch_); });
  child_watch_ = ae::child(pid_, [this](pid_t, int status) { status_ = status; });
  if (want_stdin_pipe) {
    in_fd_ = in.take_write();
    if (options.stdin_data) {
      pending_in_ = std::move(*options.stdin_data);
      ::fcntl(in_fd_, F_SETFL, O_NONBLOCK);
      feed_stdin();
    }
  }
}

Process::~Process() {
  close_stdin();
  if (running()) {
    ::kill(-pid_, SIGTERM);
    if (!run_until([this] { return exited(); }, 5s)) {
      ::kill(-pid_, SIGKILL);
      run_until([this] { return exited(); });
    }
  }
  // Whatever the program left behind in its group (a worker, a daemonized helper) goes too.
  ::kill(-pid_, SIGKILL);
  out_watch_.reset();
  err_watch_.reset();
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

std::string Process::command() const {
  std::string c;
  for (const std::string& a : argv_) c += (c.empty() ? "" : " ") + a;
  return c;
}

std::string Process::output() const {
  return command() + "\n--- stdout:\n" + out_ + "\n--- stderr:\n" + err_;
}

int Process::exit_code() const noexcept {
  return status_ && WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1;
}

void Process::read_into(int& fd, std::string& into, Io& watcher) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    watcher.reset();  // end-of-file or an error: nothing more will come
    ::close(fd);
    fd = -1;
    return;
  }
}

void Process::feed_stdin() {
  while (!pending_in_.empty()) {
    ssize_t n = ::write(in_fd_, pending_in_.data(), pending_in_.size());
    if (n > 0) {
      pending_in_.erase(0, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (!in_watch_) in_watch_ = ae::io(in_fd_, kWrite, [this] { feed_stdin(); });
      return;
    } else {
      pending_in_.clear();  // the program closed its stdin: the rest has no reader
    }
  }
  close_stdin();
}

void Process::write(std::string_view data) {
  while (!data.empty()) {
    if (in_fd_ < 0) throw std::runtime_error("Process: stdin of " + argv_[0] + " is closed");
    ssize_t n = ::write(in_fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw std::runtime_error("Process: write to " + argv_[0] + ": " + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Process::close_stdin() noexcept {
  in_watch_.reset();
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

bool Process::wait_for_out(std::string_view text, Seconds timeout) {
  return run_until([&] { return out_.find(text) != std::string::npos || out_closed(); }, timeout) &&
         out_.find(text) != std::string::npos;
}

bool Process::wait_for_err(std::string_view text, Seconds timeout) {
  return run_until([&] { return err_.find(text) != std::string::npos || err_closed(); }, timeout) &&
         err_.find(text) != std::string::npos;
}

std::optional<int> Process::wait(Seconds timeout) {
  if (!run_until([this] { return exited() && out_closed() && err_closed(); }, timeout)) {
    return std::nullopt;
  }
  return status_;
}

std::optional<int> Process::stop(int signum, Seconds timeout) {
  if (running()) ::kill(-pid_, signum);
  return wait(timeout);
}

Outcome run(std::vector<std::string> argv, std::optional<std::string> stdin_data, Seconds timeout) {
  Process p(std::move(argv), {.stdin_data = std::move(stdin_data)});
  std::optional<int> status = p.wait(timeout);
  Outcome r;
  if (status) r.exit_code = p.exit_code();
  r.out = p.out();
  r.err = p.err();
  return r;
}

}  // namespace ae::testing
