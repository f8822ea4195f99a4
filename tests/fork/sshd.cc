#include "tests/fork/sshd.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "fork/util.h"
#include "tests/fork/fork_test_util.h"
#include "tests/support/ports.h"

namespace ae::fork_testing {
namespace {

std::string tmpdir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

void must_run(std::vector<std::string> argv) {
  std::string err;
  fork::RunCmdOptions o;
  o.redirect(2, fork::Redirect::to_string(&err));
  int status = fork::run_cmd(argv, std::move(o)).recv();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(argv[0] + " failed: " + err);
  }
}

// Reads sshd's stderr until it says it listens (true) or exits (false).
bool wait_listening(int fd, std::string& seen) {
  char buf[1024];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) return false;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    seen.append(buf, static_cast<std::size_t>(n));
    if (seen.find("Server listening on") != std::string::npos) return true;
  }
}

}  // namespace

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

Sshd::Sshd() {
  dir_ = tmpdir() + "/sshd";
  ::mkdir(dir_.c_str(), 0700);
  // sshd refuses to start without its privilege separation directory (tools/setup.sh makes it).
  if (::access("/run/sshd", X_OK) != 0)
    throw std::runtime_error("/run/sshd is missing: run tools/setup.sh");
  if (::access((dir_ + "/host_key").c_str(), R_OK) != 0) {
    must_run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir_ + "/host_key"});
    must_run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir_ + "/client_key"});
    must_run({"cp", dir_ + "/client_key.pub", dir_ + "/authorized_keys"});
  }
  std::string last_log;
  for (int attempt = 0; attempt < 10 && pid_ == 0; ++attempt) {
    int port = testing::free_port();
    std::string config = dir_ + "/sshd_config";
    std::ofstream(config) << "ListenAddress 127.0.0.1\n"
                          << "Port " << port << "\n"
                          << "HostKey " << dir_ << "/host_key\n"
                          << "AuthorizedKeysFile " << dir_ << "/authorized_keys\n"
                          << "StrictModes no\nPasswordAuthentication no\n"
                          << "KbdInteractiveAuthentication no\nUsePAM no\nPidFile none\n"
                          << "PermitRootLogin prohibit-password\nLogLevel INFO\n";
    int err[2];
    if (::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(err[1], 2);
      ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", config.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(err[1]);
    std::string log;
    bool up = wait_listening(err[0], log);
    ::close(err[0]);
    last_log = log;
    if (up) {
      pid_ = pid;
      port_ = port;
    } else {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);  // test set-up: the port was taken, try another
    }
  }
  if (pid_ == 0) throw std::runtime_error("sshd did not start: " + last_log);
}

Sshd::~Sshd() {
  drop_connections();
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
}

void Sshd::drop_connections() {
  // Session processes are the listener's children (and theirs); killing them drops the
  // connections as a network failure would.
  std::vector<pid_t> todo = children_of(pid_);
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t c : children_of(p)) todo.push_back(c);
    ::kill(p, SIGKILL);
  }
}

std::vector<std::string> Sshd::ssh_argv() const {
  passwd* pw = ::getpwuid(::getuid());
  std::string user = pw ? pw->pw_name : "root";
  return {"ssh",
          "-i",
          dir_ + "/client_key",
          "-p",
          std::to_string(port_),
          "-o",
          "StrictHostKeyChecking=no",
          "-o",
          "UserKnownHostsFile=/dev/null",
          "-o",
          "BatchMode=yes",
          "-o",
          "LogLevel=ERROR",
          user + "@127.0.0.1"};
}

}  // namespace ae::fork_testing
