// The client's fault matrix: peers that refuse, reset, stall, drip, lie about lengths, send too
// much or smuggle framing. Each request ends in exactly one callback with the documented status.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/loop.h"
#include "core/resolver.h"
#include "http/client.h"
#include "tests/http/support/fetch.h"
#include "tests/http/support/http_peer.h"
#include "tests/support/black_hole.h"
#include "tests/support/loop.h"
#include "tests/support/ports.h"
#include "tests/support/run_until.h"
#include "tls/error.h"

namespace ae::http {
namespace {

using http_test::fetch_now;
using http_test::HttpPeer;
using http_test::Outcome;
using http_test::PeerConnection;
using http_test::Received;
using testing::run_until;

// The peer writes `response` to every request, then closes or resets.
std::unique_ptr<HttpPeer> answering(std::string response, bool reset = false) {
  return std::make_unique<HttpPeer>([response, reset](const Received&, PeerConnection& c) {
    c.write(response);
    if (reset) {
      // Let the bytes leave before the reset (a reset would drop them from the socket buffer).
      c.handle().on_drain([conn = &c](Handle&) { conn->reset(); });
    } else {
      c.close();
    }
  });
}

class ClientFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { set_pool_options({}); }
  void TearDown() override { close_idle_connections(); }

  // The loop every test runs on; its pool goes with it, and it proves no watcher is left.
  testing::TestLoop loop_;
};

TEST_F(ClientFaultsTest, ConnectionRefusedIs595WithTheSystemsReason) {
  testing::RefusingPort refusing;
  Outcome r = fetch_now("GET", "http://" + refusing.hostport() + "/", {});
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, std::errc::connection_refused);
  EXPECT_NE(r.hdr.reason.find("Connection refused"), std::string::npos) << r.hdr.reason;
  EXPECT_EQ(r.body, "");
}

TEST_F(ClientFaultsTest, AnAddressThatDropsSynsTimesOutInTheConnectPhase) {
  testing::BlackHole hole;
  Outcome r = fetch_now("GET", "http://" + hole.hostport() + "/", {.connect_timeout = 0.3});
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, std::errc::timed_out);
}

TEST_F(ClientFaultsTest, AResetInsideTheHeaderIs595) {
  auto peer = answering("HTTP/1.1 200 OK\r\nContent-Len", /*reset=*/true);
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_FALSE(r.hdr.orig_status.has_value());
}

TEST_F(ClientFaultsTest, AResetInsideTheBodyIs597AndKeepsTheRealStatus) {
  auto peer = answering("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", /*reset=*/true);
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusBodyError);
  EXPECT_EQ(r.hdr.orig_status, 200);
  EXPECT_EQ(r.hdr.orig_reason, "OK");
  EXPECT_EQ(r.hdr.headers.value("Content-Length"), "100");
  EXPECT_EQ(r.body, "");
}

TEST_F(ClientFaultsTest, ATruncatedChunkedBodyIs597) {
  auto peer = answering(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n100\r\nnot all");
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusBodyError);
  EXPECT_EQ(r.hdr.error, Error::kPartialMessage);
  EXPECT_EQ(r.hdr.orig_status, 200);
}

TEST_F(ClientFaultsTest, GarbledChunkFramingIs597) {
  auto peer =
      answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXXXX\r\n0\r\n\r\n");
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusBodyError);
  EXPECT_EQ(r.hdr.error, Error::kBadChunk) << r.hdr.reason;
}

TEST_F(ClientFaultsTest, AContentLengthLongerThanTheBodyIs597) {
  auto peer = answering("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly twenty bytes...");
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusBodyError);
  EXPECT_EQ(r.hdr.error, Error::kPartialMessage);
  EXPECT_NE(r.hdr.reason.find("shorter"), std::string::npos) << r.hdr.reason;
}

TEST_F(ClientFaultsTest, AServerThatAcceptsAndNeverAnswersHitsTheFirstByteTimeout) {
  HttpPeer peer([](const Received&, PeerConnection&) {});
  Outcome r = fetch_now("GET", peer.url("/"), {.first_byte_timeout = 0.3}, &peer);
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, std::errc::timed_out);
  EXPECT_NE(r.hdr.reason.find("Waiting for the response timed out"), std::string::npos)
      << r.hdr.reason;
}

TEST_F(ClientFaultsTest, AServerThatStallsInsideTheBodyHitsTheIdleTimeout) {
  HttpPeer peer([](const Received&, PeerConnection& c) {
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nsome of it");
  });
  Outcome r = fetch_now("GET", peer.url("/"), {.idle_timeout = 0.3}, &peer);
  EXPECT_EQ(r.hdr.status, kStatusBodyError);
  EXPECT_EQ(r.hdr.error, std::errc::timed_out);
  EXPECT_EQ(r.hdr.orig_status, 200);
  EXPECT_NE(r.hdr.reason.find("idle timeout"), std::string::npos) << r.hdr.reason;
}

TEST_F(ClientFaultsTest, AServerThatStopsInsideTheHeaderHitsTheIdleTimeout) {
  HttpPeer peer([](const Received&, PeerConnection& c) { c.write("HTTP/1.1 200 OK\r\nContent-"); });
  Outcome r = fetch_now("GET", peer.url("/"), {.idle_timeout = 0.3}, &peer);
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, std::errc::timed_out);
  EXPECT_FALSE(r.hdr.orig_status.has_value());
  EXPECT_NE(r.hdr.reason.find("idle timeout"), std::string::npos) << r.hdr.reason;
}

TEST_F(ClientFaultsTest, AServerThatNeverAnswersTheTlsHandshakeHitsTheTlsTimeout) {
  // The peer reads the ClientHello and says nothing.
  HttpPeer peer([](const Received&, PeerConnection&) {},
                [](PeerConnection& c) { c.stop_parsing(); });
  Outcome r = fetch_now("GET", "https://127.0.0.1:" + std::to_string(peer.port()) + "/",
                        {.tls_timeout = 0.3}, &peer);
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, std::errc::timed_out);
  EXPECT_NE(r.hdr.reason.find("TLS handshake with 127.0.0.1 timed out"), std::string::npos)
      << r.hdr.reason;
}

TEST_F(ClientFaultsTest, APlainHttpAnswerToTheTlsHandshakeIs595WithTheTlsError) {
  // The peer takes the ClientHello for a malformed request and answers 400 in plain text.
  HttpPeer peer([](const Received&, PeerConnection&) {});
  Outcome r = fetch_now("GET", "https://127.0.0.1:" + std::to_string(peer.port()) + "/", {}, &peer);
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error.category(), tls::tls_category()) << r.hdr.error.message();
  EXPECT_NE(r.hdr.reason.find("TLS handshake with 127.0.0.1 failed"), std::string::npos)
      << r.hdr.reason;
}

TEST_F(ClientFaultsTest, ASlowlorisServerIsEndedByTheTotalTimeout) {
  // A byte every 20 ms keeps the idle timeout from firing; the total timeout ends it.
  std::vector<Timer> drips;
  HttpPeer peer([&](const Received&, PeerConnection& c) {
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
    drips.push_back(timer(0.02, 0.02, [conn = &c] {
      if (!conn->handle().destroyed()) conn->write("x");
    }));
  });
  Outcome r = fetch_now("GET", peer.url("/"), {.idle_timeout = 0.3, .total_timeout = 0.6}, &peer);
  EXPECT_EQ(r.hdr.status, kStatusBodyError);
  EXPECT_EQ(r.hdr.error, std::errc::timed_out);
  EXPECT_NE(r.hdr.reason.find("total timeout"), std::string::npos) << r.hdr.reason;
}

TEST_F(ClientFaultsTest, AHeaderBeyondTheLimitIs596) {
  std::string huge = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 2000; ++i)
    huge += "X-Filler-" + std::to_string(i) + ": " + std::string(40, 'f') + "\r\n";
  huge += "Content-Length: 0\r\n\r\n";
  auto peer = answering(huge);
  Outcome r = fetch_now("GET", peer->url("/"), {.max_header_size = 16 * 1024}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusProtocolError);
  EXPECT_EQ(r.hdr.error, Error::kHeaderTooLarge);
}

TEST_F(ClientFaultsTest, AResponseWithBothContentLengthAndTransferEncodingIs596) {
  auto peer = answering(
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled");
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusProtocolError);
  EXPECT_EQ(r.hdr.error, Error::kBadFraming);
  EXPECT_EQ(pool_stats().idle, 0u);
}

TEST_F(ClientFaultsTest, GarbageInsteadOfAResponseIs596) {
  auto peer = answering("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusProtocolError);
  EXPECT_EQ(r.hdr.error.category(), http_category());
}

TEST_F(ClientFaultsTest, AServerThatClosesWithoutAnsweringIs595) {
  auto peer = answering("");
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, Error::kNoResponse);
}

TEST_F(ClientFaultsTest, BadGzipIs597) {
  auto peer = answering(
      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\nnot gzip!!!!");
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusBodyError);
  EXPECT_EQ(r.hdr.error, Error::kBadContentEncoding);
}

TEST_F(ClientFaultsTest, ABadLocationIs596) {
  auto peer = answering("HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n");
  Outcome r = fetch_now("GET", peer->url("/"), {}, peer.get());
  EXPECT_EQ(r.hdr.status, kStatusProtocolError);
  EXPECT_EQ(r.hdr.error, Error::kBadLocation);
}

TEST_F(ClientFaultsTest, BadUrlsAndSchemesAre599FromTheLoop) {
  for (const char* url : {"ftp://127.0.0.1/", "not a url", "http://", "http://h:99999/"}) {
    Outcome r = fetch_now("GET", url, {});
    EXPECT_EQ(r.hdr.status, kStatusOtherError) << url;
    EXPECT_FALSE(r.hdr.reason.empty());
  }
  Outcome scheme = fetch_now("GET", "gopher://127.0.0.1/", {});
  EXPECT_EQ(scheme.hdr.error, Error::kUnsupportedScheme);
  Outcome proxy = fetch_now("GET", "http://127.0.0.1/", {.proxy = "socks5://127.0.0.1:1080"});
  EXPECT_EQ(proxy.hdr.status, kStatusOtherError);
}

TEST_F(ClientFaultsTest, ANameThatDoesNotResolveIs595) {
  // The built-in resolver (hosts file only) keeps the lookup on this machine.
  set_default_resolver(builtin_resolver());
  Outcome r = fetch_now("GET", "http://no-such-host.invalid/", {});
  set_default_resolver(nullptr);
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error.category(), resolve_category());
  EXPECT_NE(r.hdr.reason.find("no-such-host.invalid"), std::string::npos) << r.hdr.reason;
}

}  // namespace
}  // namespace ae::http
