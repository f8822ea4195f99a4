// tcp_connect over //dns against a server that answers A and leaves AAAA unanswered (or answers
// it late): Happy Eyeballs (RFC 8305) connects on the first family's answer instead of waiting
// for the other one's whole retry schedule. Everything is on loopback: the hand-written DNS
// responder, and the TCP server the name points at.
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "dns/resolver.h"
#include "socket/connect.h"
#include "socket/server.h"
#include "tests/dns/support/fake_server.h"
#include "tests/dns/support/test_zones.h"

namespace ae::dns_test {
namespace {

using namespace std::chrono_literals;
using dns::Message;
using Answer = std::optional<std::vector<std::uint8_t>>;

bool is_aaaa(const Message& q) {
  return !q.questions.empty() &&
         q.questions[0].type == static_cast<std::uint16_t>(dns::RrType::kAaaa);
}

dns::Record aaaa_record(const std::string& name, const std::string& ip) {
  dns::Record r = a_record(name, "0.0.0.0", 60);
  r.type = static_cast<std::uint16_t>(dns::RrType::kAaaa);
  r.data = *SocketAddress::from_numeric(ip, 0);
  return r;
}

struct Connected {
  std::error_code ec;
  SocketAddress peer;
  std::size_t queries_in_flight = 0;  // the resolver's, when the callback ran
};

// A DNS server answering A with 127.0.0.1 and never AAAA (it keeps those queries), and a
// resolver asking it with AnyEvent's retry schedule, under which a lost AAAA query costs 12 s.
struct AaaaUnanswered {
  std::vector<Message> aaaa_queries;
  FakeServer server{[this](const Message& q) -> Answer {
    if (is_aaaa(q)) {
      aaaa_queries.push_back(q);
      return std::nullopt;
    }
    return reply(q, dns::kRcodeNoError, {a_record(q.questions[0].name, "127.0.0.1", 60)});
  }};
  dns::Resolver resolver{[this] {
    dns::Options o;
    o.servers = {server.address()};
    o.timeouts = {2, 5, 5};
    return o;
  }()};
};

Connected connect(AaaaUnanswered& dns, const std::string& host, std::uint16_t port,
                  PrepareCallback prepare = nullptr) {
  Connected out;
  CondVar<> done;
  ConnectOptions options;
  options.resolver = &dns.resolver;
  Guard g = tcp_connect(
      host, std::to_string(port),
      [&](std::error_code ec, Connection c) {
        out.ec = ec;
        out.peer = c.peer;
        out.queries_in_flight = dns.resolver.stats().in_flight;
        if (c.fd >= 0) ::close(c.fd);
        done.send();
      },
      std::move(prepare), options);
  EXPECT_TRUE(done.wait_for(60s));
  return out;
}

std::optional<TcpServer> listen(const std::string& host) {
  Result<TcpServer> server =
      tcp_server(host, "0", [](int fd, const std::string&, std::uint16_t) { ::close(fd); });
  if (!server) return std::nullopt;
  return std::move(*server);
}

class EyeballsTest : public BackendTest {};

// IPv4 preferred (AE_PROTOCOLS' default): its answer starts the connect at once.
TEST_P(EyeballsTest, ConnectsOnThePreferredFamilysAnswerWhileTheOtherIsUnanswered) {
  ScopedEnv protocols("AE_PROTOCOLS", "ipv4,ipv6");
  AaaaUnanswered dns;
  std::optional<TcpServer> server = listen("127.0.0.1");
  ASSERT_TRUE(server);
  Connected c = connect(dns, "dual.eyeballs.test", server->port());
  ASSERT_FALSE(c.ec) << c.ec.message();
  EXPECT_EQ(c.peer.host(), "127.0.0.1");
  // The AAAA query was sent, and was still waiting for its answer when the connect ended.
  EXPECT_EQ(dns.aaaa_queries.size(), 1u);
  EXPECT_EQ(c.queries_in_flight, 1u);
}

// IPv6 preferred: the A answer that came first waits only the resolution delay for AAAA.
TEST_P(EyeballsTest, OtherFamilysAnswerGoesAloneAfterTheResolutionDelay) {
  ScopedEnv protocols("AE_PROTOCOLS", "ipv6,ipv4");
  AaaaUnanswered dns;
  std::optional<TcpServer> server = listen("127.0.0.1");
  ASSERT_TRUE(server);
  Connected c = connect(dns, "dual.eyeballs.test", server->port());
  ASSERT_FALSE(c.ec) << c.ec.message();
  EXPECT_EQ(c.peer.host(), "127.0.0.1");
  EXPECT_EQ(dns.aaaa_queries.size(), 1u);
  EXPECT_EQ(c.queries_in_flight, 1u);
}

// An AAAA answer that comes after the A address failed joins the candidates, and the connect
// waits for it rather than failing when the first batch runs out.
TEST_P(EyeballsTest, LateAddressesJoinTheCandidates) {
  ScopedEnv protocols("AE_PROTOCOLS", "ipv4,ipv6");
  AaaaUnanswered dns;
  std::optional<TcpServer> server = listen("::1");
  if (!server) GTEST_SKIP() << "no IPv6 loopback";
  // 127.0.0.1 at the IPv6 server's port: nothing listens there (else the A address connects).
  std::vector<std::string> tried;
  Connected c = connect(dns, "late.eyeballs.test", server->port(), [&](int) {
    if (tried.empty()) {
      // The first attempt (the A address) is under way: now AAAA is answered.
      EXPECT_EQ(dns.aaaa_queries.size(), 1u);
      if (!dns.aaaa_queries.empty()) {
        const Message& q = dns.aaaa_queries.front();
        dns.server.send_to_last_peer(
            reply(q, dns::kRcodeNoError, {aaaa_record(q.questions[0].name, "::1")}));
      }
    }
    tried.push_back(tried.empty() ? "first" : "next");
    return Seconds(0);
  });
  ASSERT_FALSE(c.ec) << c.ec.message();
  EXPECT_EQ(c.peer.host(), "::1");
  EXPECT_EQ(tried.size(), 2u);
  EXPECT_EQ(c.queries_in_flight, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, EyeballsTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ae::dns_test
