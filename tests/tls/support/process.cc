#include "tests/tls/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tests/tls/support/tls_test_util.h"

namespace ae::testing {
namespace {

void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
}

}  // namespace

Process::Process(std::vector<std::string> argv) : argv_(std::move(argv)) {
  int in[2], out[2], err[2];
  make_pipe(in);
  make_pipe(out);
  make_pipe(err);
  std::vector<char*> args;
  for (std::string& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  in_fd_ = in[1];
  out_fd_ = out[0];
  err_fd_ = err[0];
  ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  out_watch_ = ae::io(out_fd_, kRead, [this] { drain(out_fd_, out_, out_watch_); });
  err_watch_ = ae::io(err_fd_, kRead, [this] { drain(err_fd_, err_, err_watch_); });
}

Process::~Process() {
  close_stdin();
  if (!exited()) {
    ::kill(pid_, SIGTERM);
    // Reap with a deadline; a peer that ignores SIGTERM is killed.
    for (int i = 0; i < 200 && !exited(); ++i) ::usleep(10000);
    if (!exited()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      reaped_ = true;
    }
  }
  out_watch_.reset();
  err_watch_.reset();
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void Process::drain(int& fd, std::string& into, Io& watcher) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    watcher.reset();  // end-of-file or an error: nothing more will come
    ::close(fd);
    fd = -1;
    return;
  }
}

void Process::write(std::string_view data) {
  while (!data.empty() && in_fd_ >= 0) {
    ssize_t n = ::write(in_fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("write to child: ") + std::strerror(errno));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Process::close_stdin() {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

bool Process::exited() {
  if (reaped_) return true;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return reaped_;
}

bool Process::wait_exit(double seconds) {
  return run_until([this] { return exited(); }, seconds);
}

std::string Process::command() const {
  std::string c;
  for (const std::string& a : argv_) c += (c.empty() ? "" : " ") + a;
  return c;
}

}  // namespace ae::testing
