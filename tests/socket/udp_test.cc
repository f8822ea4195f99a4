#include "socket/udp.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/loop.h"
#include "socket/address.h"
#include "tests/support/files.h"
#include "tests/support/loop.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/run_until.h"

namespace {

using ae::testing::run_until;

std::string loopback(int family) { return family == AF_INET ? "127.0.0.1" : "::1"; }

ae::SocketAddress at(const std::string& host, std::uint16_t port) {
  return *ae::SocketAddress::from_numeric(host, port);
}

// A UDP port nothing is bound to (bound, read back, closed): datagrams to it draw an ICMP port
// unreachable. The test's network namespace is its own, so nobody takes the port meanwhile.
std::uint16_t unbound_port(int family) {
  ae::Result<ae::UdpSocket> s = ae::udp_bind(loopback(family), "0", nullptr);
  return s ? s->port() : 0;
}

// A connected client, made through udp_connect and the loop.
ae::UdpSocket connect_to(const std::string& host, std::uint16_t port) {
  std::optional<ae::Result<ae::UdpSocket>> result;
  ae::Guard g = ae::udp_connect(host, std::to_string(port),
                                [&](ae::Result<ae::UdpSocket> s) { result.emplace(std::move(s)); });
  EXPECT_TRUE(run_until([&] { return result.has_value(); }));
  if (!result || !*result) {
    ADD_FAILURE() << "udp_connect " << host << " " << port << ": "
                  << (result ? result->message() : "no outcome");
    return {};
  }
  return std::move(**result);
}

// Parameterised over backend and address family.
class UdpTest : public ::testing::TestWithParam<std::tuple<std::string, int>> {
 protected:
  int family() const { return std::get<1>(GetParam()); }
  std::string host() const { return loopback(family()); }

  ae::testing::TestLoop loop_{std::get<0>(GetParam())};
};

std::string backend_and_family(const ::testing::TestParamInfo<std::tuple<std::string, int>>& i) {
  return std::get<0>(i.param) + (std::get<1>(i.param) == AF_INET ? "_ipv4" : "_ipv6");
}

TEST_P(UdpTest, EchoesThroughBindAndConnect) {
  std::vector<std::string> seen_peers;
  ae::Result<ae::UdpSocket> server =
      ae::udp_bind(host(), "0", [&](ae::UdpSocket& s, const ae::UdpMessage& m) {
        seen_peers.push_back(m.peer.to_string());
        EXPECT_FALSE(m.truncated);
        EXPECT_EQ(m.local, s.local_address());
        EXPECT_FALSE(s.reply(m, "echo:" + std::string(m.data)));
      });
  ASSERT_TRUE(server) << server.message();
  EXPECT_NE(server->port(), 0);

  ae::UdpSocket client = connect_to(host(), server->port());
  ASSERT_TRUE(client);
  EXPECT_EQ(client.peer_address(), server->local_address());
  std::vector<std::string> answers;
  client.on_receive([&](ae::UdpSocket& s, const ae::UdpMessage& m) {
    EXPECT_EQ(&s, &client);
    EXPECT_EQ(m.peer, server->local_address());
    answers.emplace_back(m.data);
  });
  EXPECT_FALSE(client.send("one"));
  EXPECT_FALSE(client.send("two"));
  ASSERT_TRUE(run_until([&] { return answers.size() == 2; }));
  EXPECT_EQ(answers, (std::vector<std::string>{"echo:one", "echo:two"}));
  ASSERT_EQ(seen_peers.size(), 2u);
  EXPECT_EQ(seen_peers[0], client.local_address().to_string());
}

TEST_P(UdpTest, SendToReachesAnUnconnectedPeerWithItsAddress) {
  std::optional<ae::SocketAddress> from;
  std::string got;
  ae::Result<ae::UdpSocket> a =
      ae::udp_bind(host(), "0", [&](ae::UdpSocket&, const ae::UdpMessage& m) {
        from = m.peer;
        got = m.data;
      });
  ae::Result<ae::UdpSocket> b = ae::udp_bind(host(), "0", nullptr);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(b->send_to("hello", a->local_address()));
  ASSERT_TRUE(run_until([&] { return from.has_value(); }));
  EXPECT_EQ(*from, b->local_address());
  EXPECT_EQ(got, "hello");
  // An unconnected socket has no peer to send() to.
  EXPECT_EQ(b->send("x"), std::errc::destination_address_required);
}

TEST_P(UdpTest, TruncationIsReported) {
  struct Seen {
    bool truncated;
    std::size_t size;
    std::string bytes;
  };
  std::vector<Seen> got;
  ae::UdpOptions options;
  options.max_datagram = 16;
  ae::Result<ae::UdpSocket> server = ae::udp_bind(
      host(), "0",
      [&](ae::UdpSocket&, const ae::UdpMessage& m) {
        got.push_back({m.truncated, m.size, std::string(m.data)});
      },
      options);
  ae::Result<ae::UdpSocket> client = ae::udp_bind(host(), "0", nullptr);
  ASSERT_TRUE(server && client);
  std::string big(100, 'x');
  big[15] = 'y';
  EXPECT_FALSE(client->send_to(big, server->local_address()));
  EXPECT_FALSE(client->send_to("short", server->local_address()));
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_TRUE(got[0].truncated);
  EXPECT_EQ(got[0].size, 100u);
  EXPECT_EQ(got[0].bytes, big.substr(0, 16));
  EXPECT_FALSE(got[1].truncated);
  EXPECT_EQ(got[1].size, 5u);
  EXPECT_EQ(got[1].bytes, "short");
}

TEST_P(UdpTest, PortUnreachableOnAConnectedSocketIsConnectionRefused) {
  std::uint16_t port = unbound_port(family());
  ASSERT_NE(port, 0);
  ae::UdpSocket client = connect_to(host(), port);
  ASSERT_TRUE(client);
  std::optional<std::error_code> error;
  std::string message;
  client.on_receive([](ae::UdpSocket&, const ae::UdpMessage&) { ADD_FAILURE() << "a datagram"; });
  client.on_error([&](ae::UdpSocket&, std::error_code ec, const std::string& m) {
    error = ec;
    message = m;
  });
  EXPECT_FALSE(client.send("anyone?"));
  ASSERT_TRUE(run_until([&] { return error.has_value(); }));
  EXPECT_EQ(*error, std::errc::connection_refused) << message;
  EXPECT_NE(message.find("receive"), std::string::npos) << message;
  // The error was consumed; the socket goes on and the next ICMP error comes the same way.
  error.reset();
  EXPECT_FALSE(client.send("still?"));
  ASSERT_TRUE(run_until([&] { return error.has_value(); }));
  EXPECT_EQ(*error, std::errc::connection_refused);
}

TEST_P(UdpTest, SendReturnsConnectionRefusedWhenNobodyReads) {
  // Without a receive callback nobody takes the pending ICMP error off the socket: the next
  // send reports it (and sends nothing).
  std::uint16_t port = unbound_port(family());
  ae::UdpSocket client = connect_to(host(), port);
  ASSERT_TRUE(client);
  EXPECT_FALSE(client.send("anyone?"));
  // The ICMP error comes back through the kernel at once on loopback, but asynchronously: wait
  // for the socket to show it (poll's POLLERR) through an io watcher.
  bool errored = false;
  ae::Io w = ae::io(client.fd(), ae::kRead, [&] { errored = true; });
  ASSERT_TRUE(run_until([&] { return errored; }));
  w.reset();
  EXPECT_EQ(client.send("again"), std::errc::connection_refused);
  EXPECT_FALSE(client.send("and again"));  // consumed by the failed send
}

TEST_P(UdpTest, ClosingInsideTheCallbackStopsAtOnce) {
  int calls = 0;
  ae::Result<ae::UdpSocket> server =
      ae::udp_bind(host(), "0", [&](ae::UdpSocket& s, const ae::UdpMessage&) {
        ++calls;
        s.close();
      });
  ae::Result<ae::UdpSocket> client = ae::udp_bind(host(), "0", nullptr);
  ASSERT_TRUE(server && client);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(client->send_to("x", server->local_address()));
  ASSERT_TRUE(run_until([&] { return calls > 0; }));
  // Let the loop go round a few times: no second call comes.
  bool later = false;
  ae::Timer t = ae::timer(0, [&] { later = true; });
  ASSERT_TRUE(run_until([&] { return later; }));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(*server);
  EXPECT_EQ(server->fd(), -1);
  EXPECT_EQ(server->send_to("x", client->local_address()), std::errc::bad_file_descriptor);
}

TEST_P(UdpTest, AMovedSocketReceivesAsItsNewSelf) {
  std::vector<ae::UdpSocket> kept;
  ae::UdpSocket* seen = nullptr;
  ae::Result<ae::UdpSocket> server =
      ae::udp_bind(host(), "0", [&](ae::UdpSocket& s, const ae::UdpMessage&) { seen = &s; });
  ASSERT_TRUE(server);
  ae::SocketAddress address = server->local_address();
  kept.push_back(std::move(*server));
  ae::Result<ae::UdpSocket> client = ae::udp_bind(host(), "0", nullptr);
  ASSERT_TRUE(client);
  EXPECT_FALSE(client->send_to("x", address));
  ASSERT_TRUE(run_until([&] { return seen != nullptr; }));
  EXPECT_EQ(seen, &kept[0]);
}

TEST_P(UdpTest, PauseHoldsDatagramsUntilResume) {
  std::vector<std::string> got;
  ae::Result<ae::UdpSocket> server = ae::udp_bind(
      host(), "0", [&](ae::UdpSocket&, const ae::UdpMessage& m) { got.emplace_back(m.data); });
  ae::Result<ae::UdpSocket> client = ae::udp_bind(host(), "0", nullptr);
  ASSERT_TRUE(server && client);
  server->pause();
  EXPECT_FALSE(client->send_to("a", server->local_address()));
  bool turned = false;
  ae::Timer t = ae::timer(0, [&] { turned = true; });
  ASSERT_TRUE(run_until([&] { return turned; }));
  EXPECT_TRUE(got.empty());
  server->resume();
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  EXPECT_EQ(got[0], "a");
}

TEST_P(UdpTest, BindErrorsAreReturned) {
  ae::Result<ae::UdpSocket> named = ae::udp_bind("localhost", "0", nullptr);
  EXPECT_EQ(named.code(), std::errc::invalid_argument);
  ae::Result<ae::UdpSocket> first = ae::udp_bind(host(), "0", nullptr);
  ASSERT_TRUE(first);
  ae::Result<ae::UdpSocket> second = ae::udp_bind(host(), std::to_string(first->port()), nullptr);
  EXPECT_EQ(second.code(), std::errc::address_in_use);
  EXPECT_NE(second.message().find("bind"), std::string::npos) << second.message();
  // SO_REUSEADDR lets two sockets share one port, as multicast receivers do.
  ae::UdpOptions reuse;
  reuse.reuse_address = true;
  ae::Result<ae::UdpSocket> a = ae::udp_bind(host(), "0", nullptr, reuse);
  ASSERT_TRUE(a);
  ae::Result<ae::UdpSocket> b = ae::udp_bind(host(), std::to_string(a->port()), nullptr, reuse);
  EXPECT_TRUE(b) << b.message();
  ae::Result<ae::UdpSocket> service = ae::udp_bind(host(), "no-such-service-here", nullptr);
  EXPECT_FALSE(service);
}

TEST_P(UdpTest, ConnectResolvesNamesAndCancels) {
  ae::Result<ae::UdpSocket> server = ae::udp_bind(host(), "0", nullptr);
  ASSERT_TRUE(server);
  ae::UdpSocket client = connect_to("localhost", server->port());
  ASSERT_TRUE(client);
  EXPECT_EQ(client.peer_address().port(), server->port());

  bool called = false;
  {
    ae::Guard g = ae::udp_connect(host(), std::to_string(server->port()),
                                  [&](ae::Result<ae::UdpSocket>) { called = true; });
  }
  bool turned = false;
  ae::Timer t = ae::timer(0, [&] { turned = true; });
  ASSERT_TRUE(run_until([&] { return turned; }));
  EXPECT_FALSE(called);
  EXPECT_THROW(ae::Guard g = ae::udp_connect(host(), "1", nullptr), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(BackendsAndFamilies, UdpTest,
                         ::testing::Combine(::testing::ValuesIn(ae::testing::main_backends()),
                                            ::testing::Values(AF_INET, AF_INET6)),
                         backend_and_family);

// A server bound to the wildcard address answers from the address each request was sent to.
class UdpWildcardTest : public ae::testing::LoopTest {};

// Sends "ping" from a socket connected to `to` (which accepts datagrams from `to` only) and
// returns what the server reported as the request's local address, once the reply came back.
std::string ask(const ae::SocketAddress& to, std::string* reply) {
  ae::UdpSocket client = connect_to(to.host(), to.port());
  if (!client) return "";
  bool answered = false;
  client.on_receive([&](ae::UdpSocket&, const ae::UdpMessage& m) {
    EXPECT_EQ(m.peer, to);
    *reply = m.data;
    answered = true;
  });
  EXPECT_FALSE(client.send("ping"));
  EXPECT_TRUE(run_until([&] { return answered; })) << "no reply from " << to.to_string();
  return *reply;
}

TEST_P(UdpWildcardTest, RepliesLeaveFromTheAddressTheRequestCameTo) {
  std::vector<std::string> locals;
  ae::Result<ae::UdpSocket> server =
      ae::udp_bind("0", "0", [&](ae::UdpSocket& s, const ae::UdpMessage& m) {
        locals.push_back(ae::format_host(m.local));
        EXPECT_EQ(m.local.port(), s.port());
        EXPECT_NE(m.interface_index, 0u);
        EXPECT_FALSE(s.reply(m, "from " + ae::format_host(m.local)));
      });
  ASSERT_TRUE(server) << server.message();
  std::string reply;
  // 127.0.0.2 is on the loopback interface too; without IP_PKTINFO the reply to 127.0.0.1 would
  // leave from 127.0.0.1, and the client connected to 127.0.0.2 would never see it.
  ask(at("127.0.0.2", server->port()), &reply);
  EXPECT_EQ(reply, "from 127.0.0.2");
  ask(at("127.0.0.1", server->port()), &reply);
  EXPECT_EQ(reply, "from 127.0.0.1");
  EXPECT_EQ(locals, (std::vector<std::string>{"127.0.0.2", "127.0.0.1"}));
}

TEST_P(UdpWildcardTest, ADualStackServerRepliesFromTheAddressForBothFamilies) {
  ae::Result<ae::UdpSocket> server =
      ae::udp_bind("::", "0", [&](ae::UdpSocket& s, const ae::UdpMessage& m) {
        EXPECT_FALSE(s.reply(m, "from " + ae::format_host(m.local)));
      });
  ASSERT_TRUE(server) << server.message();
  std::string reply;
  ask(at("127.0.0.2", server->port()), &reply);
  EXPECT_EQ(reply, "from 127.0.0.2");
  ask(at("::1", server->port()), &reply);
  EXPECT_EQ(reply, "from ::1");
}

INSTANTIATE_TEST_SUITE_P(Backends, UdpWildcardTest,
                         ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

// IPv4 multicast on the loopback interface: sender and receiver on this host, IP_MULTICAST_LOOP.
class UdpMulticastTest : public ae::testing::LoopTest {};

TEST_P(UdpMulticastTest, JoinedGroupsReceiveAndLeftOnesDoNot) {
  const std::string group = "239.255.42.99";
  std::vector<std::string> got;
  std::vector<std::string> locals;
  ae::UdpOptions options;
  options.reuse_address = true;
  ae::Result<ae::UdpSocket> receiver = ae::udp_bind(
      "0", "0",
      [&](ae::UdpSocket&, const ae::UdpMessage& m) {
        got.emplace_back(m.data);
        locals.push_back(ae::format_host(m.local));
      },
      options);
  ASSERT_TRUE(receiver) << receiver.message();
  EXPECT_FALSE(receiver->join_group(group, "127.0.0.1"));
  EXPECT_EQ(receiver->join_group(group, "127.0.0.1"), std::errc::address_in_use);

  ae::Result<ae::UdpSocket> sender = ae::udp_bind("127.0.0.1", "0", nullptr);
  ASSERT_TRUE(sender);
  EXPECT_FALSE(sender->set_multicast_interface("127.0.0.1"));
  EXPECT_FALSE(sender->set_multicast_loop(true));
  EXPECT_FALSE(sender->set_multicast_ttl(1));
  ae::SocketAddress to = at(group, receiver->port());
  EXPECT_FALSE(sender->send_to("to the group", to));
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  EXPECT_EQ(got[0], "to the group");
  EXPECT_EQ(locals[0], group);

  EXPECT_FALSE(receiver->leave_group(group, "127.0.0.1"));
  EXPECT_EQ(receiver->leave_group(group, "127.0.0.1"), std::errc::address_not_available);
  // After leaving, the group's datagram is not delivered; a unicast one sent after it is the
  // next (and only) thing the receiver gets.
  EXPECT_FALSE(sender->send_to("to the group again", to));
  EXPECT_FALSE(sender->send_to("unicast", at("127.0.0.1", receiver->port())));
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_EQ(got[1], "unicast");
}

TEST_P(UdpMulticastTest, BadGroupsAndInterfacesAreRefused) {
  ae::Result<ae::UdpSocket> s = ae::udp_bind("0", "0", nullptr);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->join_group("127.0.0.1"), std::errc::invalid_argument);
  EXPECT_EQ(s->join_group("not an address"), std::errc::invalid_argument);
  EXPECT_EQ(s->join_group("239.1.2.3", "no-such-interface0"), std::errc::no_such_device);
  EXPECT_EQ(s->set_multicast_ttl(256), std::errc::invalid_argument);
  ae::Result<ae::UdpSocket> v6 = ae::udp_bind("::", "0", nullptr);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->join_group("ff12::1", "127.0.0.1"), std::errc::invalid_argument);
  EXPECT_FALSE(v6->join_group("ff12::1", "lo")) << "IPv6 membership on lo";
  EXPECT_FALSE(v6->leave_group("ff12::1", "lo"));
  EXPECT_FALSE(v6->join_group("239.1.2.3", "127.0.0.1")) << "an IPv4 group on a :: socket";
  EXPECT_FALSE(v6->set_multicast_interface("lo"));
  EXPECT_FALSE(v6->set_multicast_loop(false));
}

// IPv6 multicast is not looped back on lo (it has no multicast route), so this test gives its
// own network namespace a veth pair (iproute2's `ip`), with duplicate address detection off so
// that the link-local addresses are usable at once.
bool make_veth_pair() {
  static const bool made = [] {
    if (!ae::testing::network_isolated()) return false;
    ae::testing::Outcome add = ae::testing::run(
        {"ip", "link", "add", "aeveth0", "type", "veth", "peer", "name", "aeveth1"});
    if (add.exit_code != 0) return false;
    for (const char* dev : {"aeveth0", "aeveth1"}) {
      ae::testing::write_file(std::string("/proc/sys/net/ipv6/conf/") + dev + "/accept_dad", "0");
      if (ae::testing::run({"ip", "link", "set", dev, "up"}).exit_code != 0) return false;
    }
    return true;
  }();
  return made;
}

TEST_P(UdpMulticastTest, Ipv6GroupsOnAVethPair) {
  if (!make_veth_pair()) GTEST_SKIP() << "needs a network namespace of its own and veth";
  const std::string group = "ff15::4242";
  std::vector<std::string> got;
  std::vector<std::string> locals;
  ae::Result<ae::UdpSocket> receiver =
      ae::udp_bind("::", "0", [&](ae::UdpSocket&, const ae::UdpMessage& m) {
        got.emplace_back(m.data);
        locals.push_back(ae::format_host(m.local));
      });
  ASSERT_TRUE(receiver) << receiver.message();
  EXPECT_FALSE(receiver->join_group(group, "aeveth0"));
  ae::Result<ae::UdpSocket> sender = ae::udp_bind("::", "0", nullptr);
  ASSERT_TRUE(sender);
  EXPECT_FALSE(sender->set_multicast_interface("aeveth0"));
  EXPECT_FALSE(sender->set_multicast_loop(true));
  ae::SocketAddress to = at(group, receiver->port());
  EXPECT_FALSE(sender->send_to("to the v6 group", to));
  ASSERT_TRUE(run_until([&] { return got.size() == 1; }));
  EXPECT_EQ(got[0], "to the v6 group");
  EXPECT_EQ(locals[0], group);
  EXPECT_FALSE(receiver->leave_group(group, "aeveth0"));
  EXPECT_FALSE(sender->send_to("after leaving", to));
  EXPECT_FALSE(sender->send_to("unicast", at("::1", receiver->port())));
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_EQ(got[1], "unicast");
}

INSTANTIATE_TEST_SUITE_P(Backends, UdpMulticastTest,
                         ::testing::ValuesIn(ae::testing::main_backends()),
                         ae::testing::backend_name);

}  // namespace
