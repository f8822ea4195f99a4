// The echo benchmark driver: AnyEvent's echo test, 500 sequential connects with one line echoed
// each, against an ae echo server (//examples/echo_server, in its own process), with each client
// implementation in its own process in turn: ae (Handle and raw socket style, on the asio and uv
// backends), a plain blocking-socket client (the baseline) and libuv. Prints the machine, a
// table with the median of the runs and the ratios against the blocking client.
//
// Usage: echo [--connects N] [--runs R]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/driver.h"
#include "bench/common/result.h"

extern char** environ;

namespace {

using ae::bench::Implementation;

const std::vector<Implementation> kClients = {
    {"blocking", "echo_blocking", {}},
    {"ae/handle/asio", "echo_ae", {"asio", "handle"}},
    {"ae/handle/uv", "echo_ae", {"uv", "handle"}},
    {"ae/socket/asio", "echo_ae", {"asio", "socket"}},
    {"ae/socket/uv", "echo_ae", {"uv", "socket"}},
    {"libuv", "echo_libuv", {}},
};

// The echo server, started once for all clients and stopped at the end.
class EchoServer {
 public:
  EchoServer() {
    // Bazel puts //examples/echo_server next to this package's programs, two levels up.
    std::string program = ae::bench::sibling_program("../../examples/echo_server/echo_server");
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<std::string> args = {program, "--quiet", "--listen", "127.0.0.1:0"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      throw std::runtime_error("cannot start " + program);
    }
    // The first line says where it listens: "listening on 127.0.0.1:PORT". Reading blocks until
    // the server wrote it (or exited).
    std::string first;
    char c;
    while (first.find('\n') == std::string::npos && ::read(out[0], &c, 1) == 1) first += c;
    ::close(out[0]);
    std::size_t colon = first.rfind(':');
    if (!first.starts_with("listening on ") || colon == std::string::npos) {
      throw std::runtime_error("echo_server did not start: " + first);
    }
    port_ = first.substr(colon + 1, first.size() - colon - 2);
  }
  ~EchoServer() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  const std::string& port() const { return port_; }

 private:
  pid_t pid_ = -1;
  std::string port_;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto options = ae::bench::parse_options(
        argc, argv, {{"connects", 500}, {"runs", 5}},
        "usage: echo [--connects N] [--runs R]\n"
        "  AnyEvent's echo benchmark: N sequential connects, one line echoed each, against\n"
        "  //examples/echo_server; wall and CPU microseconds per request of each client.\n");
    EchoServer server;
    ae::bench::print_machine(stdout);
    std::printf(
        "server: examples/echo_server (line mode) on 127.0.0.1:%s, in its own process; wall: "
        "microseconds per request (connect, write, read the echo, close); cpu: the client's CPU "
        "microseconds per request\n",
        server.port().c_str());
    int runs = static_cast<int>(options["runs"]);
    auto rows = ae::bench::run_implementations(
        kClients, {"127.0.0.1", server.port(), std::to_string(options["connects"])}, runs,
        {"wall", "cpu"});
    ae::bench::print_results(
        stdout,
        std::to_string(options["connects"]) + " sequential connects, one line each, median of " +
            std::to_string(runs) + " runs",
        {{"name", "name"}, {"connects", "connects"}, {"wall", "wall"}, {"cpu", "cpu"}}, rows,
        {"wall", "cpu"}, "blocking");
  });
}
