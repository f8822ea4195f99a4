// //socket's tcp_connect resolving a name through //dns, which neither package knows about:
// they meet through core's ae::Resolver, which linking //dns installs.
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "core/connector.h"
#include "socket/connect.h"
#include "socket/server.h"
#include "tests/dns/support/lookup_waiter.h"
#include "tests/dns/support/test_zones.h"

namespace ae::dns_test {
namespace {

using namespace std::chrono_literals;

class SocketIntegrationTest : public BackendTest {};

TEST_P(SocketIntegrationTest, TcpConnectFindsAServerByItsDnsName) {
  NsdServer* nsd = shared_nsd();
  ASSERT_NE(nsd, nullptr);
  std::string conf = scratch_dir() + "/socket-" + GetParam() + "-resolv.conf";
  ASSERT_TRUE(write_file(conf, "nameserver " + nsd->v4().to_string() + "\n"));
  ScopedEnv env("AE_RESOLV_CONF", conf);

  int accepted = 0;
  Result<TcpServer> server = tcp_server("127.0.0.1", "0", [&](int fd, const std::string&, auto) {
    ++accepted;
    ::close(fd);
  });
  ASSERT_TRUE(server) << server.message();

  // ns1.example.test is 127.0.0.1 in nsd's zone, and in no hosts file.
  CondVar<std::error_code, std::string> connected;
  Guard g = tcp_connect("ns1.example.test", std::to_string(server->port()),
                        [&](std::error_code ec, Connection c) {
                          if (c.fd >= 0) ::close(c.fd);
                          connected.send(ec, ec ? "" : c.peer.to_string());
                        });
  ASSERT_TRUE(connected.wait_for(10s));
  auto [ec, peer] = connected.recv();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(peer, "127.0.0.1:" + std::to_string(server->port()));

  CondVar<std::error_code> failed;
  Guard g2 = tcp_connect("nonexistent.example.test", "80",
                         [&](std::error_code ec, Connection) { failed.send(ec); });
  ASSERT_TRUE(failed.wait_for(10s));
  EXPECT_EQ(failed.recv(), ResolveError::kHostNotFound);
  EXPECT_TRUE(wait_until([&] { return accepted == 1; }));
}

INSTANTIATE_TEST_SUITE_P(Backends, SocketIntegrationTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ae::dns_test
