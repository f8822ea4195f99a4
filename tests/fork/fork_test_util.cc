#include "tests/fork/fork_test_util.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "core/loop.h"
#include "fork/fork.h"

namespace ae::fork_testing {

bool run_until(const std::function<bool()>& done, double timeout_s) {
  Loop& loop = Loop::current();
  double deadline = ae::time() + timeout_s;
  // The 5 ms tick only bounds how late a condition with no event of its own (a process that
  // has gone) is noticed; events wake the loop at once.
  Timer tick = loop.timer(0.005, 0.005, [] {});
  while (!done()) {
    if (ae::time() > deadline) return false;
    loop.run_once(true);
  }
  return true;
}

std::string read_to_eof(int fd, double timeout_s) {
  std::string out;
  bool eof = false;
  Io w = Loop::current().io(fd, kRead, [&] {
    char buf[65536];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      eof = true;
    }
  });
  EXPECT_TRUE(run_until([&] { return eof; }, timeout_s)) << "no EOF on fd " << fd;
  return out;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    pid_t ppid;
    if (rest >> state >> ppid && ppid == parent) out.push_back(std::atoi(e->d_name));
  }
  ::closedir(d);
  return out;
}

std::string open_fds() {
  std::string out;
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char target[256] = {};
    std::string path = std::string("/proc/self/fd/") + e->d_name;
    if (::readlink(path.c_str(), target, sizeof target - 1) < 0) continue;
    out += std::string(e->d_name) + "=" + target + " ";
  }
  ::closedir(d);
  return out;
}

int open_fd_count() {
  // Core's anonymous inodes (a loop's epoll set, eventfds, timerfds; the signal hub keeps an
  // eventfd per loop slot) are not counted: //fork makes sockets, pipes and files only.
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return -1;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char target[256] = {};
    std::string path = std::string("/proc/self/fd/") + e->d_name;
    if (::readlink(path.c_str(), target, sizeof target - 1) > 0 &&
        std::string_view(target).starts_with("anon_inode:")) {
      continue;
    }
    ++n;
  }
  ::closedir(d);
  return n - 1;  // the directory's own fd
}

namespace {

// After every test: no fd left open, no child of ours or of the template left (given a few
// seconds for workers that are still exiting after their channel closed).
class LeakCheck : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo&) override {
    fds_ = open_fd_count();
    children_ = children_of(::getpid()).size();
  }
  void OnTestEnd(const ::testing::TestInfo&) override {
    pid_t templ = ae::fork::Template::early().pid();
    bool clean = run_until(
        [&] {
          return open_fd_count() <= fds_ && children_of(::getpid()).size() <= children_ &&
                 children_of(templ).empty();
        },
        20);
    EXPECT_TRUE(clean) << "left behind: fds " << open_fd_count() << " (before: " << fds_
                       << "), children " << children_of(::getpid()).size()
                       << " (before: " << children_ << "), children of the template "
                       << children_of(templ).size() << "; open: " << open_fds();
  }
  int fds_ = 0;
  std::size_t children_ = 0;
};

}  // namespace
}  // namespace ae::fork_testing

int main(int argc, char** argv) {
  ae::fork::init(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  // The loop and core's signal slot (whose eventfd is kept for good once made) exist before
  // the first test, so their fds are part of every baseline.
  {
    ae::Signal warm = ae::signal(SIGUSR2, [] {});
  }
  ::testing::UnitTest::GetInstance()->listeners().Append(new ae::fork_testing::LeakCheck);
  return RUN_ALL_TESTS();
}
