// core_tour: timers, io on a pipe, a signal, a child process and a CondVar working together.
//
// The program starts a child process that writes three lines into a pipe and exits with
// status 3. The parent watches the pipe (io watcher), ticks a repeating timer, sends itself
// SIGUSR1 from a one-shot timer (signal watcher), waits for the child's exit (child watcher), and
// uses one CondVar's begin/end to wait until all four stories have finished.
//
//   bazel run //examples/core_tour               # on the default (asio) backend
//   AE_MODEL=uv bazel run //examples/core_tour   # on libuv
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "core/core.h"

namespace {

double g_start = 0;

void say(const char* who, const std::string& what) {
  std::printf("[%6.3f] %-7s %s\n", ae::time() - g_start, who, what.c_str());
  std::fflush(stdout);
}

int usage(const char* argv0, int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: %s [--help]\n\n"
               "Shows ae's core watchers working together: a child process writes lines into a\n"
               "pipe (io watcher) and exits (child watcher), a repeating timer ticks, a signal\n"
               "arrives (signal watcher), and a CondVar waits for all of it.\n"
               "Set AE_MODEL=uv to run the same on libuv.\n",
               argv0);
  return code;
}

// The child: three lines, 80 ms apart, then exit status 3. Plain blocking code on purpose:
// it is another process, and it must not touch the parent's loop.
[[noreturn]] void child_main(int out) {
  for (int i = 1; i <= 3; ++i) {
    ::usleep(80'000);
    std::string line =
        "line " + std::to_string(i) + " from child " + std::to_string(::getpid()) + "\n";
    if (::write(out, line.data(), line.size()) < 0) ::_exit(1);
  }
  ::_exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") return usage(argv[0], 0);
    std::fprintf(stderr, "%s: unknown argument %s\n", argv[0], argv[i]);
    return usage(argv[0], 2);
  }
  g_start = ae::time();

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("pipe");
    return 1;
  }
  std::fflush(stdout);
  pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("fork");
    return 1;
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(fds[1]);
  }
  ::close(fds[1]);
  say("tour", "loop model \"" + std::string(ae::Loop::current().model()) + "\", child " +
                  std::to_string(pid) + " started");

  ae::CondVar<> all_done;
  all_done.begin();  // the outer pair: done once every story below has ended

  // 1. The pipe: print each line the child writes, until EOF.
  all_done.begin();
  std::string partial;
  ae::Io reader;
  reader = ae::io(fds[0], ae::kRead, [&] {
    char buf[256];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      partial.append(buf, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos;
           partial.erase(0, nl + 1)) {
        say("pipe", "\"" + partial.substr(0, nl) + "\"");
      }
      return;
    }
    say("pipe", n == 0 ? "end of file" : std::string("error: ") + std::strerror(errno));
    reader.reset();  // destroying a watcher inside its own callback is safe
    all_done.end();
  });

  // 2. The child's exit.
  all_done.begin();
  ae::Child exited = ae::child(pid, [&](pid_t p, int status) {
    say("child", std::to_string(p) + " exited with status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
    all_done.end();
  });

  // 3. A signal we send ourselves from a timer.
  all_done.begin();
  ae::Signal usr1 = ae::signal("USR1", [&] {
    say("signal", "SIGUSR1 arrived (delivered from the loop, not the signal handler)");
    all_done.end();
  });
  ae::Timer raise_later = ae::timer(0.15, [] {
    say("timer", "sending SIGUSR1 to ourselves");
    ::kill(::getpid(), SIGUSR1);
  });

  // 4. A repeating timer, stopped after five ticks.
  all_done.begin();
  int ticks = 0;
  ae::Timer ticker;
  ticker = ae::timer(0.05, 0.05, [&] {
    say("timer", "tick " + std::to_string(++ticks));
    if (ticks == 5) {
      ticker.reset();
      all_done.end();
    }
  });

  all_done.end();
  all_done.recv();  // runs the loop until every story called end()
  ::close(fds[0]);
  say("tour", "all done");
  return 0;
}
