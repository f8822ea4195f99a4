#include "tests/socket/support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <utility>

namespace ae::socket_test {

std::optional<Subprocess> Subprocess::spawn(const std::vector<std::string>& argv,
                                            const std::string& stdin_data) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) < 0 || ::pipe2(out, O_CLOEXEC) < 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return std::nullopt;
  }
  // Small inputs only: the whole of stdin fits in the pipe, so it is written before the fork.
  if (::write(in[1], stdin_data.data(), stdin_data.size()) !=
      static_cast<ssize_t>(stdin_data.size())) {
    ADD_FAILURE() << "stdin too large for a pipe";
    return std::nullopt;
  }
  ::close(in[1]);
  pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return std::nullopt;
  }
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::string why = "exec " + argv[0] + ": " + std::strerror(errno) + "\n";
    ssize_t ignored = ::write(2, why.data(), why.size());
    (void)ignored;
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  Subprocess p;
  p.pid_ = pid;
  p.out_ = out[0];
  return p;
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), out_(std::exchange(other.out_, -1)) {}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  std::swap(pid_, other.pid_);
  std::swap(out_, other.out_);
  return *this;
}

Subprocess::~Subprocess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_ >= 0) ::close(out_);
}

bool Subprocess::running() {
  if (pid_ <= 0) return false;
  if (::waitpid(pid_, nullptr, WNOHANG) == 0) return true;
  pid_ = -1;
  return false;
}

std::string Subprocess::drain_stdout() {
  std::string all;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) break;
    all.append(buf, static_cast<std::size_t>(n));
  }
  return all;
}

}  // namespace ae::socket_test
