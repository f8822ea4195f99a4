#include "fork/internal/serve.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "fork/internal/fd.h"
#include "fork/internal/registry.h"

namespace ae::fork_internal {

std::string command(char cmd, std::string_view payload) {
  std::string out;
  out.reserve(5 + payload.size());
  out.push_back(cmd);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

void put_u32(std::string& out, std::uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out.append(b, 4);
}

std::uint32_t get_u32(const char* p) noexcept {
  auto u = [&](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
  return u(0) << 24 | u(1) << 16 | u(2) << 8 | u(3);
}

namespace {

// Children whose status someone waits for: pid -> write end of their status pipe.
struct Watched {
  pid_t pid;
  int fd;
};
constexpr int kMaxWatched = 4096;
Watched g_watched[kMaxWatched];
// SIGCHLD stays blocked in a server and is read from this signalfd between commands, so no
// code runs in signal context (and sanitizers, which defer handlers during blocking calls,
// cannot delay a reap).
int g_sigchld_fd = -1;

void write_u32_raw(int fd, std::uint32_t v) noexcept {
  unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                        static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  ssize_t r;
  do {
    r = ::write(fd, b, 4);
  } while (r < 0 && errno == EINTR);
}

void reap_children() noexcept {
  signalfd_siginfo info;
  while (::read(g_sigchld_fd, &info, sizeof info) > 0) {
  }
  for (;;) {
    int status;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    for (Watched& w : g_watched) {
      if (w.pid == pid) {
        write_u32_raw(w.fd, static_cast<std::uint32_t>(status));
        ::close(w.fd);
        w.pid = 0;
        w.fd = -1;
        break;
      }
    }
  }
}

// Waits until `fd` is readable (or closed), reaping children meanwhile.
void wait_readable(int fd) noexcept {
  for (;;) {
    pollfd p[2] = {{fd, POLLIN, 0}, {g_sigchld_fd, POLLIN, 0}};
    int n = ::poll(p, g_sigchld_fd >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    if (p[1].revents) reap_children();
    if (p[0].revents) return;
  }
}

void block_sigchld(bool block) noexcept {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

void install_server_signals() noexcept {
  for (Watched& w : g_watched) w = {0, -1};
  // The status pipe's reader may be gone: that must not kill the server.
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGCHLD, SIG_DFL);
  block_sigchld(true);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  g_sigchld_fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

// In a freshly forked child: forget the parent server's children.
void forget_watched() noexcept {
  for (Watched& w : g_watched) {
    if (w.fd >= 0) ::close(w.fd);
    w = {0, -1};
  }
  if (g_sigchld_fd >= 0) ::close(g_sigchld_fd);
  g_sigchld_fd = -1;
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "ae::fork server: %s\n", what);
  ::_exit(2);
}

[[noreturn]] void run_function(const std::string& name, fork::Channel ch, fork::Args args) {
  const Entry* e = find_entry(name);
  const fork::ChildFunction* fn = e ? std::get_if<fork::ChildFunction>(e) : nullptr;
  if (!fn) fail(("no child function registered as " + name).c_str());
  reset_child_signals();
  int status = 0;
  try {
    (*fn)(ch, std::move(args));
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "ae::fork: %s threw: %s\n", name.c_str(), ex.what());
    status = 1;
  } catch (...) {
    std::fprintf(stderr, "ae::fork: %s threw\n", name.c_str());
    status = 1;
  }
  std::fflush(nullptr);
  ::_exit(status);
}

// A remote worker's supervisor: waits for the worker and returns its wait status. A worker
// whose connection is gone (the parent dropped, or killed its ssh client after a timeout) may
// be stuck and would never notice: it is killed, rather than left on the remote host for good.
int supervise(pid_t worker, int channel, int chld_fd) noexcept {
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(worker, &status, WNOHANG);
    if (r == worker || (r < 0 && errno != EINTR)) return status;
    // POLLERR on a pipe's write end, POLLHUP on a socket: the reading side is gone.
    pollfd p[2] = {{chld_fd, POLLIN, 0}, {channel, 0, 0}};
    int n = ::poll(p, 2, chld_fd >= 0 ? -1 : 100);
    if (n < 0 && errno != EINTR) return status;
    if (p[0].revents) {
      signalfd_siginfo info;
      while (::read(chld_fd, &info, sizeof info) > 0) {
      }
    }
    if (p[1].revents & (POLLERR | POLLHUP)) {
      ::kill(worker, SIGKILL);
      ::close(channel);
      channel = -1;  // poll ignores it from now on
    }
  }
}

// The command loop shared by both kinds of server. Returns only in the stdio server's
// supervisor after the worker ended (never: it exits).
[[noreturn]] void serve_loop(int in, int out, bool remote) {
  fork::Args args;
  auto reader = std::make_unique<BlockingReader>(in, !remote, false);
  std::string header, payload;
  for (;;) {
    if (!remote) wait_readable(in);
    if (!reader->read_exact(5, header)) ::_exit(0);  // the parent went away
    std::uint32_t len = get_u32(header.data() + 1);
    if (len > kMaxCommandPayload) fail("command too long");
    if (!reader->read_exact(len, payload)) ::_exit(0);
    switch (header[0]) {
      case kCmdArg:
        args.strings.push_back(std::move(payload));
        payload = {};
        break;
      case kCmdFd: {
        int fd = remote ? -1 : reader->take_fd();
        if (fd < 0) fail("fd command without an fd");
        args.fds.push_back(fd);
        break;
      }
      case kCmdFork: {
        int ctl = remote ? -1 : reader->take_fd();
        int status_fd = remote ? -1 : reader->take_fd();
        if (ctl < 0 || status_fd < 0) fail("fork command without its fds");
        pid_t pid = ::fork();
        if (pid < 0) {
          ::close(ctl);
          ::close(status_fd);  // the parent sees the status pipe end with no pid: fork failed
          break;
        }
        if (pid == 0) {
          // A clone serves on: it watches its own children with its own signalfd.
          forget_watched();
          ::close(status_fd);
          reader->close_fds();
          ::close(in);
          in = out = ctl;
          reader = std::make_unique<BlockingReader>(ctl, true, false);
          sigset_t set;
          sigemptyset(&set);
          sigaddset(&set, SIGCHLD);
          g_sigchld_fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
          break;
        }
        ::close(ctl);
        write_u32_raw(status_fd, static_cast<std::uint32_t>(pid));
        bool kept = false;
        for (Watched& w : g_watched) {
          if (w.pid == 0) {
            w = {pid, status_fd};
            kept = true;
            break;
          }
        }
        if (!kept) ::close(status_fd);
        break;
      }
      case kCmdRun: {
        reader->close_fds();
        if (!remote) {
          forget_watched();
          run_function(payload, fork::Channel{in, out}, std::move(args));
        }
        // SIGCHLD is blocked before the fork (the worker unblocks it) and read from a signalfd.
        block_sigchld(true);
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        int chld_fd = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
        pid_t pid = ::fork();
        if (pid < 0) fail("fork failed");
        if (pid == 0) run_function(payload, fork::Channel{in, out}, std::move(args));
        // The supervisor keeps only a watch on the channel's write side (ssh's end of it closes
        // when the connection is gone); the worker's exit still ends the channel, because the
        // supervisor exits right after it. Then it reports how the worker ended.
        int channel = ::fcntl(out, F_DUPFD_CLOEXEC, 3);
        int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        ::dup2(null_fd, 0);
        ::dup2(null_fd, 1);
        for (int fd : args.fds) ::close(fd);
        int status = supervise(pid, channel, chld_fd);
        char line[64];
        int n = std::snprintf(line, sizeof line, "\n%s%d\n", kExitMarker, status);
        write_all(2, std::string_view(line, static_cast<std::size_t>(n)));
        ::_exit(0);
      }
      default:
        fail("unknown command");
    }
  }
}

}  // namespace

void reset_child_signals() noexcept {
  ::signal(SIGCHLD, SIG_DFL);
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

void serve_socket(int fd) {
  install_server_signals();
  serve_loop(fd, fd, false);
}

void serve_stdio() {
  // A remote server reaps its one worker with waitpid itself.
  ::signal(SIGCHLD, SIG_DFL);
  ::signal(SIGPIPE, SIG_IGN);
  serve_loop(0, 1, true);
}

}  // namespace ae::fork_internal
