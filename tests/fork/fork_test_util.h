// Helpers for the //fork tests: the test main (which calls ae::fork::init first), reading a
// worker's channel to EOF, and the per-test check that no fd and no child process is left.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace ae::fork_testing {

// Runs the current loop until `done()` is true, checking after each event and every 5 ms;
// false after `timeout_s` seconds.
bool run_until(const std::function<bool()>& done, double timeout_s = 30);
// Reads `fd` on the current loop until EOF (or the timeout); returns what came.
std::string read_to_eof(int fd, double timeout_s = 30);
// The pids whose parent is `parent` (zombies included).
std::vector<pid_t> children_of(pid_t parent);
// The number of open fds of this process.
int open_fd_count();

}  // namespace ae::fork_testing
