// The udp_query example against socat (Debian's), a UDP peer no one here wrote: the client asks a
// socat echo server and a socat that never answers, the server answers socat's questions.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <string>
#include <vector>

#include "socket/udp.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"

namespace {

using ae::testing::example;
using ae::testing::Outcome;
using ae::testing::PortServer;
using ae::testing::Process;
using ae::testing::start_on_free_port;

// socat started on a free UDP port with `address` (e.g. "EXEC:cat") on the other side.
PortServer socat_server(const std::string& listen, const std::string& other) {
  ae::testing::PortServerOptions options;
  options.protocols = ae::testing::kUdp;
  return start_on_free_port(
      [&](std::uint16_t port) {
        return std::vector<std::string>{"socat", listen + ":" + std::to_string(port) + ",fork",
                                        other};
      },
      options);
}

// The "listening on HOST:PORT" port of a udp_query server.
std::string listening_port(Process& server) {
  EXPECT_TRUE(server.wait_for_out("\n")) << server.output();
  std::string line = server.out();
  return line.substr(line.rfind(':') + 1, line.find('\n') - line.rfind(':') - 1);
}

// udp_query runs on the backend of the test's parameter (AE_MODEL).
class UdpQuerySocatTest : public ae::testing::LoopTest {
 protected:
  ae::testing::ProcessOptions on_backend() { return {.env = {"AE_MODEL=" + GetParam()}}; }

  Outcome query(std::vector<std::string> args) {
    args.insert(args.begin(), example("udp_query"));
    Process p(args, on_backend());
    std::optional<int> status = p.wait();
    return Outcome{status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, p.out(), p.err()};
  }
};

TEST_P(UdpQuerySocatTest, TheClientTakesSocatsEchoAsTheAnswer) {
  // An echo server answers "ID NAME" with "ID NAME": the same ID, so the value is the name.
  PortServer echo = socat_server("UDP4-RECVFROM", "EXEC:cat");
  Outcome r = query({"ask", "127.0.0.1:" + std::to_string(echo.port), "alpha"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "alpha\n");
}

TEST_P(UdpQuerySocatTest, TheClientAsksAgainAndGivesUpWhenNobodyAnswers) {
  // socat prints every datagram it gets and sends nothing back.
  PortServer silent = start_on_free_port(
      [](std::uint16_t port) {
        return std::vector<std::string>{"socat", "-u", "UDP4-RECV:" + std::to_string(port), "-"};
      },
      {.protocols = ae::testing::kUdp});
  Outcome r = query({"ask", "--timeout", "0.2", "--retries", "2",
                     "127.0.0.1:" + std::to_string(silent.port), "beta"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("after 3 tries"), std::string::npos) << r.err;
  // Three copies of one question: a retry sends the same ID, as a resolver does.
  ASSERT_TRUE(ae::testing::run_until([&] {
    return std::count(silent.process->out().begin(), silent.process->out().end(), '\n') >= 3;
  }));
  std::string out = silent.process->out();
  std::string first = out.substr(0, out.find('\n') + 1);
  EXPECT_TRUE(first.ends_with(" beta\n")) << out;
  EXPECT_EQ(out, first + first + first);
}

TEST_P(UdpQuerySocatTest, RefusedTriesCountAndAreSaid) {
  // Nothing listens: every try draws an ICMP port unreachable.
  ae::Result<ae::UdpSocket> probe = ae::udp_bind("127.0.0.1", "0", nullptr);
  ASSERT_TRUE(probe);
  std::string port = std::to_string(probe->port());
  probe->close();
  Outcome r = query({"ask", "-t", "0.05", "-r", "1", "127.0.0.1:" + port, "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("after 2 tries"), std::string::npos) << r.err;
}

TEST_P(UdpQuerySocatTest, TheServerAnswersSocatsQuestions) {
  Process server({example("udp_query"), "serve", "--listen", "127.0.0.1:0", "--answer", "alpha=1",
                  "--answer", "beta=two"},
                 on_backend());
  std::string port = listening_port(server);
  // socat sends its stdin as one datagram and prints what comes back; -t: how long it waits for
  // the answer after its input ended.
  auto ask = [&](const std::string& question) {
    Process socat({"socat", "-t", "10", "-", "UDP4:127.0.0.1:" + port}, {.stdin_data = question});
    EXPECT_TRUE(socat.wait_for_out("\n")) << socat.output();
    return socat.out();
  };
  EXPECT_EQ(ask("7 alpha\n"), "7 1\n");
  EXPECT_EQ(ask("65535 beta"), "65535 two\n");
  EXPECT_EQ(ask("8 gamma\n"), "8 NXDOMAIN\n");
  EXPECT_TRUE(server.wait_for_err("asked 127.0.0.1:" + port + " for gamma: NXDOMAIN"))
      << server.err();
}

TEST_P(UdpQuerySocatTest, AWildcardServerAnswersFromTheAddressAsked) {
  Process server({example("udp_query"), "serve", "--answer", "alpha=1"}, on_backend());
  std::string port = listening_port(server);
  // socat's UDP4 client is connected: it takes the answer only from 127.0.0.2.
  Process socat({"socat", "-t", "10", "-", "UDP4:127.0.0.2:" + port}, {.stdin_data = "9 alpha\n"});
  EXPECT_TRUE(socat.wait_for_out("\n")) << socat.output() << server.output();
  EXPECT_EQ(socat.out(), "9 1\n");
  // And the two programs agree with each other.
  Outcome r = query({"ask", "127.0.0.2:" + port, "alpha"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
}

INSTANTIATE_TEST_SUITE_P(Backends, UdpQuerySocatTest,
                         ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

}  // namespace
