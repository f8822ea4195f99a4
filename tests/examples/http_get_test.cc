// The http_get example against HTTP peers in the test process: well-formed responses in their
// corner forms, and servers that lie, stall, flood or reset.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/examples/support/fake_server.h"
#include "tests/examples/support/process.h"
#include "tests/support/black_hole.h"
#include "tests/support/dnsmasq.h"
#include "tests/support/env.h"

namespace ae::examples_test {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// A server that reads the request's head, then answers `response` and closes.
struct HttpPeer {
  explicit HttpPeer(std::string response)
      : server([this, response](Handle& h) {
          h.push_read(ae::line("\r\n\r\n"),
                      [this, response](Handle& h, std::string head, std::string) {
                        request = head;
                        h.push_write(response);
                        h.push_shutdown();
                      });
        }) {}
  std::string request;
  FakeServer server;
};

TEST(HttpGetTest, SendsAnHttp10RequestAndPrintsStatusHeadersAndBodySize) {
  HttpPeer peer("HTTP/1.0 200 OK\r\nContent-Length: 5\r\nX-Test: yes\r\n\r\nhello");
  Outcome r = run({example("http_get"), peer.server.url("/a b?q=1")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "HTTP/1.0 200 OK\nContent-Length: 5\nX-Test: yes\n\nbody: 5 bytes\n");
  EXPECT_EQ(peer.request, "GET /a%20b?q=1 HTTP/1.0\r\nHost: " + peer.server.address() +
                              "\r\nUser-Agent: ae-http_get");
}

TEST(HttpGetTest, WithBodyPrintsTheBodyByteForByte) {
  std::mt19937 rng(7);
  std::string body(3 << 20, '\0');
  for (char& c : body) c = static_cast<char>(rng());
  HttpPeer peer("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                body);
  Outcome r = run({example("http_get"), "--body", peer.server.address() + "/blob"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::size_t end_of_head = r.out.find("\n\n");
  ASSERT_NE(end_of_head, std::string::npos);
  EXPECT_TRUE(r.out.substr(end_of_head + 2) == body) << "the body differs";
}

TEST(HttpGetTest, AResponseWithoutHeadersIsFine) {
  HttpPeer peer("HTTP/1.0 204 No Content\r\n\r\n");
  Outcome r = run({example("http_get"), peer.server.url("/")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "HTTP/1.0 204 No Content\n\nbody: 0 bytes\n");
}

TEST(HttpGetTest, BareLineFeedsAreAccepted) {
  HttpPeer peer("HTTP/1.0 200 OK\nServer: sloppy\n\nxyz");
  Outcome r = run({example("http_get"), peer.server.url("/")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "HTTP/1.0 200 OK\nServer: sloppy\n\nbody: 3 bytes\n");
}

// 40 000 bytes of reason phrase and of one header once overflowed the stack of a backtracking
// regex; they are within --max-header, so they are read.
TEST(HttpGetTest, LongStatusLinesAndHeadersWithinTheLimitAreRead) {
  const std::string reason(40000, 'r');
  const std::string field(20000, 'f');
  HttpPeer peer("HTTP/1.0 200 " + reason + "\r\nX-Long: " + field +
                "\r\nContent-Length: 2\r\n\r\nok");
  Outcome r = run({example("http_get"), peer.server.url("/")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "X-Long: " + field + "\nContent-Length: 2\n\nbody: 2 bytes"));
}

TEST(HttpGetTest, SomethingThatIsNotHttpIsAnError) {
  HttpPeer peer("SSH-2.0-OpenSSH_9.2\r\n");
  Outcome r = run({example("http_get"), peer.server.url("/")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "not an HTTP response: it starts with \"SSH-2.0-OpenSSH_9.2\""))
      << r.err;
}

TEST(HttpGetTest, HeadersBeyondTheLimitAreRefusedWithBoundedMemory) {
  HttpPeer peer("HTTP/1.0 200 OK\r\nX-Endless: " + std::string(4 << 20, 'h'));
  Outcome r = run({example("http_get"), "--max-header", "10000", peer.server.url("/")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the status line and headers exceed 10000 bytes")) << r.err;
}

TEST(HttpGetTest, ABodyShorterThanItsContentLengthIsReportedTruncated) {
  HttpPeer peer("HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nonly ten!!");
  Outcome r = run({example("http_get"), peer.server.url("/")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the body has 10 bytes, but Content-Length said 100 (truncated)"))
      << r.err;
}

TEST(HttpGetTest, ClosingBeforeTheStatusLineIsAnError) {
  HttpPeer peer("");
  Outcome r = run({example("http_get"), peer.server.url("/")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "closed the connection without a status line")) << r.err;
}

TEST(HttpGetTest, ClosingInTheMiddleOfTheHeadersIsAnError) {
  HttpPeer peer("HTTP/1.0 200 OK\r\nServer: half");
  Outcome r = run({example("http_get"), peer.server.url("/")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "closed the connection in the middle of the headers")) << r.err;
}

TEST(HttpGetTest, AResetInTheMiddleOfTheBodyIsAnError) {
  FakeServer* self = nullptr;
  FakeServer resetting([&](Handle& h) {
    h.push_read(ae::line("\r\n\r\n"), [&](Handle& h, std::string, std::string) {
      h.push_write("HTTP/1.0 200 OK\r\nContent-Length: 1000\r\n\r\nsome of it");
      h.on_drain([&](Handle&) { self->reset_all(); });
    });
  });
  self = &resetting;
  Outcome r = run({example("http_get"), resetting.url("/")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "HTTP/1.0 200 OK")) << r.out;
  EXPECT_TRUE(contains(r.err, "reset by peer")) << r.err;
}

TEST(HttpGetTest, AStalledServerTimesOut) {
  FakeServer stalled([](Handle&) {});
  Outcome r = run({example("http_get"), "--timeout", "0.3", stalled.url("/")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the server sent nothing for 0.3")) << r.err;
}

TEST(HttpGetTest, AClosedPortIsAConnectError) {
  Outcome r = run({example("http_get"), "http://127.0.0.1:" + std::to_string(free_port()) + "/"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "connect: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "refused")) << r.err;
}

TEST(HttpGetTest, AnAddressThatNeverAnswersTimesOutConnecting) {
  ae::testing::BlackHole hole;
  Outcome r = run({example("http_get"), "--connect-timeout", "0.3", "http://" + hole.hostport()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "connect: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "timed out")) << r.err;
}

TEST(HttpGetTest, FailGivesExitStatus3ForErrorStatuses) {
  HttpPeer peer("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  Outcome r = run({example("http_get"), "--fail", peer.server.url("/nope")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(r.out.starts_with("HTTP/1.0 404 Not Found\n")) << r.out;
}

// The message names the host and port as the user gave them, not "nosuch.invalid:http=80".
TEST(HttpGetTest, AnUnknownHostIsReportedWithThePortAsGiven) {
  ae::testing::Dnsmasq dns({});
  ae::testing::ScopedEnv conf("AE_RESOLV_CONF", dns.resolv_conf);
  Outcome r = run({example("http_get"), "http://nosuch.invalid/"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "nosuch.invalid:80: host not found")) << r.err;
  EXPECT_FALSE(contains(r.err, "http=")) << r.err;
  r = run({example("http_get"), "http://127.0.0.1:99999/"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "\"127.0.0.1:99999\" in the URL: port 99999 is out of range"))
      << r.err;
}

TEST(HttpGetTest, BadUrlsAreUsageErrors) {
  for (const char* bad : {"https://example.org/", "ftp://example.org/", "http:///path", ""}) {
    Outcome r = run({example("http_get"), bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
  }
}

}  // namespace
}  // namespace ae::examples_test
