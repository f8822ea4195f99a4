// The echo_server example driven by socat (Debian's), a client no one here wrote: lines, binary
// data, many clients at once, and a unix-domain socket.
#include <sys/un.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/examples/support/process.h"

namespace ae::examples_test {
namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// socat copying `input` to `address` and what comes back to its stdout; -t: after its input
// ended, wait this long at most for the server to finish.
std::vector<std::string> socat(const std::string& address) {
  return {"/usr/bin/socat", "-t", "10", "STDIO", address};
}

int exit_code(const std::optional<int>& status) {
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

TEST(EchoServerSocatTest, LinesComeBackThroughSocat) {
  auto server = Process::start_server("echo_server");
  const std::string input = "first\r\nsecond\n\nfourth after an empty line\n";
  Outcome r = run(socat("TCP4:" + server->address()), input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, input);
  EXPECT_TRUE(server->wait_for_err("closed by the client"));
}

TEST(EchoServerSocatTest, BinaryDataComesBackThroughSocatInBytesMode) {
  auto server = Process::start_server("echo_server", {"--mode", "bytes"});
  const std::string input = random_bytes(4 << 20, 1);
  Outcome r = run(socat("TCP4:" + server->address()), input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.size(), input.size());
  EXPECT_TRUE(r.out == input) << "the echo differs from what socat sent";
}

TEST(EchoServerSocatTest, ManySocatClientsAtOnceEachGetTheirOwnEcho) {
  auto server = Process::start_server("echo_server", {"--quiet"});
  std::vector<std::string> inputs;
  std::vector<std::unique_ptr<Process>> clients;
  for (int i = 0; i < 20; ++i) {
    std::string input;
    for (int n = 0; n < 2000; ++n)
      input += "client " + std::to_string(i) + " line " + std::to_string(n) + "\n";
    inputs.push_back(input);
    clients.push_back(std::make_unique<Process>(socat("TCP4:" + server->address()), input));
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(exit_code(clients[i]->wait()), 0) << clients[i]->err();
    EXPECT_TRUE(clients[i]->out() == inputs[i]) << "client " << i << " got another echo";
  }
}

TEST(EchoServerSocatTest, WorksOnAUnixDomainSocket) {
  // sun_path is short; $TEST_TMPDIR may be longer, so fall back to /tmp.
  std::string path = temp_dir("unix") + "/echo.sock";
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    path = "/tmp/ae-echo-" + std::to_string(::getpid()) + ".sock";
  }
  auto server = Process::start_server("echo_server", {"--listen", "unix/:" + path});
  EXPECT_TRUE(server->out().starts_with("listening on unix/:" + path + "\n")) << server->out();
  Outcome r = run(socat("UNIX-CONNECT:" + path), "over a unix socket\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "over a unix socket\n");
  server->stop(SIGTERM);
}

}  // namespace
}  // namespace ae::examples_test
