#include "tests/examples/support/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/loop.h"

extern char** environ;

namespace ae::examples_test {

std::string runfile(std::string_view path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir ? srcdir : ".") + "/" + (workspace ? workspace : "ae") + "/" +
         std::string(path);
}

std::string example(std::string_view name) {
  // A program named with '-' (ae-dig, ae-httpd) lives in a folder named with '_'.
  std::string folder(name);
  for (char& c : folder) {
    if (c == '-') c = '_';
  }
  return runfile("examples/" + folder + "/" + std::string(name));
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(dir + "/" + e->d_name);
    }
    ::closedir(d);
  }
  return names;
}

std::string temp_dir(std::string_view name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + std::string(name);
  ::mkdir(dir.c_str(), 0700);
  return dir;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

bool run_until(const std::function<bool()>& pred, Seconds timeout) {
  if (pred()) return true;
  bool expired = false;
  Loop& loop = Loop::current();
  Timer limit = loop.timer(timeout, [&expired] { expired = true; });
  while (!pred() && !expired) loop.run_once(true);
  return pred();
}

Process::Process(std::vector<std::string> argv, std::optional<std::string> stdin_data) {
  static std::atomic<int> counter{0};
  std::string input = "/dev/null";
  if (stdin_data) {
    input = temp_dir("stdin") + "/" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    write_file(input, *stdin_data);
  }
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw std::runtime_error("pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, input.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  // The child starts with default signal dispositions whatever the test process set.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int rc = ::posix_spawn(&pid_, argv.at(0).c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  out_fd_ = out[0];
  err_fd_ = err[0];
  ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  ::fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  out_watch_ = ae::io(out_fd_, kRead, [this] { collect(out_fd_, out_, out_watch_); });
  err_watch_ = ae::io(err_fd_, kRead, [this] { collect(err_fd_, err_, err_watch_); });
  child_watch_ = ae::child(pid_, [this](pid_t, int status) { status_ = status; });
}

Process::~Process() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    run_until([this] { return status_.has_value(); }, 10s);
  }
  out_watch_.reset();
  err_watch_.reset();
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void Process::collect(int& fd, std::string& into, Io& watcher) {
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) {
    into.append(buf, static_cast<std::size_t>(n));
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    watcher.reset();
    ::close(fd);
    fd = -1;
  }
}

std::unique_ptr<Process> Process::start_server(std::string_view name,
                                               std::vector<std::string> args) {
  args.insert(args.begin(), example(name));
  auto p = std::make_unique<Process>(std::move(args));
  constexpr std::string_view kPrefix = "listening on ";
  bool ok = run_until([&] { return p->out_.find('\n') != std::string::npos || p->exited(); }, 10s);
  std::string first = p->out_.substr(0, p->out_.find('\n'));
  std::size_t colon = first.rfind(':');
  if (!ok || !first.starts_with(kPrefix) || colon == std::string::npos) {
    throw std::runtime_error(std::string(name) + " did not start: " + p->out_ + p->err_);
  }
  // A unix-domain server says "unix/:PATH"; it has no port.
  std::string port = first.substr(colon + 1);
  if (!port.empty() && port.find_first_not_of("0123456789") == std::string::npos) {
    p->port_ = static_cast<std::uint16_t>(std::stoi(port));
  }
  return p;
}

bool Process::wait_for_out(std::string_view text, Seconds timeout) {
  return run_until([&] { return out_.find(text) != std::string::npos; }, timeout);
}

bool Process::wait_for_err(std::string_view text, Seconds timeout) {
  return run_until([&] { return err_.find(text) != std::string::npos; }, timeout);
}

std::optional<int> Process::wait(Seconds timeout) {
  if (!run_until([this] { return status_ && out_fd_ < 0 && err_fd_ < 0; }, timeout)) {
    return std::nullopt;
  }
  return status_;
}

std::optional<int> Process::stop(int signum, Seconds timeout) {
  if (!status_) ::kill(pid_, signum);
  return wait(timeout);
}

Outcome run(std::vector<std::string> argv, std::optional<std::string> stdin_data, Seconds timeout) {
  Process p(std::move(argv), std::move(stdin_data));
  std::optional<int> status = p.wait(timeout);
  Outcome r;
  if (status && WIFEXITED(*status)) r.exit_code = WEXITSTATUS(*status);
  r.out = p.out();
  r.err = p.err();
  return r;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    throw std::runtime_error(std::string("free_port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(sa.sin_port);
}

namespace {

bool connects(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

bool wait_for_port(std::uint16_t port, Seconds timeout) {
  bool up = connects(port);
  if (up) return true;
  // A loopback connect to a port nobody listens on fails at once, so poll it from a timer.
  Timer poll = ae::timer(0.02, 0.02, [&] { up = up || connects(port); });
  return run_until([&] { return up; }, timeout);
}

}  // namespace ae::examples_test
