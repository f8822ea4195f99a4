// The port strategy: servers that must be told a port get one they really hold.
#include "tests/support/ports.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/loop.h"
#include "tests/support/sockets.h"

namespace ae::testing {
namespace {

class PortsTest : public LoopTest {};

std::vector<std::string> socat_listener(std::uint16_t port) {
  return {"socat", "TCP-LISTEN:" + std::to_string(port) + ",bind=127.0.0.1,reuseaddr", "EXEC:cat"};
}

TEST_P(PortsTest, AServerIsUpOnceItHoldsItsPort) {
  PortServer server = start_on_free_port(socat_listener);
  EXPECT_TRUE(server.process->running());
  EXPECT_TRUE(group_holds_port(server.process->pid(), server.port, kTcp));
  EXPECT_FALSE(group_holds_port(server.process->pid(), server.port, kUdp));
}

TEST_P(PortsTest, AServerThatLostItsPortIsStartedAgainOnAnother) {
  Listener taken;  // someone else holds this port, as another suite's server might
  int calls = 0;
  std::vector<std::uint16_t> offered;
  PortServer server = start_on_free_port([&](std::uint16_t port) {
    offered.push_back(port);
    // The first start is told the taken port, as if it had been taken in the meantime.
    return socat_listener(calls++ == 0 ? static_cast<std::uint16_t>(taken.port) : port);
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(server.port, offered.back());
  EXPECT_TRUE(group_holds_port(server.process->pid(), server.port, kTcp));
}

TEST_P(PortsTest, AServerThatCannotStartIsAnErrorWithItsOutput) {
  try {
    start_on_free_port([](std::uint16_t) {
      return std::vector<std::string>{"sh", "-c", "echo broken config >&2; exit 1"};
    });
    FAIL() << "started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("broken config"), std::string::npos) << e.what();
  }
}

TEST_P(PortsTest, ARefusingPortRefuses) {
  RefusingPort refusing;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(refusing.port());
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  EXPECT_EQ(errno, ECONNREFUSED);
  ::close(fd);
  EXPECT_EQ(refusing.hostport(), "127.0.0.1:" + std::to_string(refusing.port()));
}

TEST_P(PortsTest, TheNetworkIsPrivateWhereTheMachineAllowsIt) {
  if (!network_isolated()) GTEST_SKIP() << "no network namespace here (needs CAP_SYS_ADMIN)";
  // A new namespace has a loopback interface and nothing else.
  Outcome r = run({"cat", "/proc/net/dev"});
  EXPECT_NE(r.out.find("lo:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("eth0:"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Backends, PortsTest, ::testing::ValuesIn(main_backends()), backend_name);

}  // namespace
}  // namespace ae::testing
