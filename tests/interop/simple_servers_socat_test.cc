// The three smallest example servers (simple_echo, simple_discard, simple_finger) driven by socat
// (Debian's), a client no one here wrote.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "tests/examples/support/process.h"

namespace ae::examples_test {
namespace {

// socat copying its input to the server and what comes back to its stdout; -t: after its input
// ended, wait this long at most for the server to finish.
Outcome socat(const Process& server, const std::string& input) {
  return run({"/usr/bin/socat", "-t", "10", "STDIO", "TCP4:" + server.address()}, input);
}

bool exited_cleanly(const std::optional<int>& status) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

TEST(SimpleEchoTest, EveryByteComesBackThroughSocat) {
  auto server = Process::start_server("simple_echo");
  std::string input = "first line\r\nsecond\n";
  for (int i = 0; i < 256; ++i) input += static_cast<char>(i);
  for (int n = 0; n < 20000; ++n) input += "bulk line " + std::to_string(n) + "\n";
  Outcome r = socat(*server, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.size(), input.size());
  EXPECT_TRUE(r.out == input) << "the echo differs from what socat sent";
  EXPECT_TRUE(exited_cleanly(server->stop(SIGTERM))) << server->err();
}

TEST(SimpleDiscardTest, ReadsEverythingAndSendsNothing) {
  auto server = Process::start_server("simple_discard");
  const std::string input(1 << 20, 'x');
  Outcome r = socat(*server, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(server->wait_for_out("discarded 1048576 bytes\n")) << server->out();
  EXPECT_TRUE(exited_cleanly(server->stop(SIGINT))) << server->err();
}

TEST(SimpleFingerTest, AnswersAKnownLoginWithItsPlan) {
  auto server = Process::start_server("simple_finger", {"0", "ae=Writing small examples"});
  Outcome r = socat(*server, "ae\r\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Writing small examples\r\n");
}

TEST(SimpleFingerTest, AnswersAnUnknownLoginWithNoSuchUser) {
  auto server = Process::start_server("simple_finger", {"0", "ae=Writing small examples"});
  Outcome r = socat(*server, "nobody\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "No such user\r\n");
  EXPECT_TRUE(exited_cleanly(server->stop(SIGTERM))) << server->err();
}

}  // namespace
}  // namespace ae::examples_test
