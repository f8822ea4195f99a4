// A real OpenSSH sshd on 127.0.0.1 for the remote-worker tests: its own host key, a client key
// it authorises, StrictModes off, started on a free port (retried when the port is taken) and
// stopped with the object.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ae::fork_testing {

class Sshd {
 public:
  Sshd();  // Errors: std::runtime_error when sshd cannot be started.
  ~Sshd();
  Sshd(const Sshd&) = delete;
  Sshd& operator=(const Sshd&) = delete;

  // The ssh command line that reaches this server as the current user, without the command.
  std::vector<std::string> ssh_argv() const;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Kills every session process (the connections drop) but keeps the listener.
  void drop_connections();

 private:
  pid_t pid_ = 0;
  int port_ = 0;
  std::string dir_;
};

// The absolute path of this test binary (what a remote worker runs).
std::string self_exe();

}  // namespace ae::fork_testing
