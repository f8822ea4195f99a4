// The HTTP client against a server in the test process that answers as each test scripts it:
// requests as they go out, responses of every framing, redirects, cookies, uploads, the pool.
#include "http/client.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/loop.h"
#include "socket/connect.h"
#include "tests/http/support/fetch.h"
#include "tests/http/support/http_peer.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::http {
namespace {

using http_test::fetch_now;
using http_test::HttpPeer;
using http_test::Outcome;
using http_test::PeerConnection;
using http_test::Received;
using testing::run_until;

std::string ok(std::string_view body, std::string_view extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra) + "\r\n" + std::string(body);
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override { set_pool_options({}); }
  void TearDown() override { close_idle_connections(); }

  // The loop every test runs on; its pool goes with it, and it proves no watcher is left.
  testing::TestLoop loop_;
};

TEST_F(ClientTest, AGetReturnsStatusHeadersBodyAndAnyEventsPseudoHeaders) {
  HttpPeer peer([](const Received&, PeerConnection& c) {
    c.write(ok("hello", "X-Dup: a\r\nx-dup: b\r\nContent-Type: text/plain\r\n"));
  });
  Outcome r = fetch_now("get", peer.url("/path?q=1#frag"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.hdr.reason, "OK");
  EXPECT_EQ(r.hdr.http_version, "1.1");
  EXPECT_EQ(r.hdr.url, peer.url("/path?q=1"));
  EXPECT_EQ(r.hdr.headers.joined("x-dup"), "a, b");
  EXPECT_EQ(r.hdr.headers.value("content-type"), "text/plain");
  EXPECT_FALSE(r.hdr.failed());
  EXPECT_FALSE(r.hdr.redirect);
  EXPECT_EQ(r.body, "hello");
  ASSERT_EQ(peer.requests().size(), 1u);
  const Received& req = peer.requests()[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/path?q=1");
  EXPECT_EQ(req.headers.value("Host"), "127.0.0.1:" + std::to_string(peer.port()));
  EXPECT_EQ(req.headers.value("User-Agent"), kUserAgent);
  EXPECT_EQ(req.headers.value("Accept-Encoding"), "gzip, deflate");
  EXPECT_FALSE(req.headers.contains("Content-Length"));
  EXPECT_FALSE(req.headers.contains("Referer"));
}

TEST_F(ClientTest, CallerHeadersReplaceDefaultsAndAnEmptyOneRemovesIt) {
  HttpPeer peer([](const Received&, PeerConnection& c) { c.write(ok("")); });
  Options o;
  o.headers.add("user-agent", "mine/2");
  o.headers.add("Accept-Encoding", "");
  o.headers.add("X-Multi", "1");
  o.headers.add("X-Multi", "2");
  o.headers.add("Content-Length", "999");  // the client's to set
  Outcome r = fetch_now("GET", peer.url("/"), std::move(o));
  ASSERT_EQ(peer.requests().size(), 1u);
  const http::Headers& h = peer.requests()[0].headers;
  EXPECT_EQ(h.get_all("User-Agent"), (std::vector<std::string_view>{"mine/2"}));
  EXPECT_FALSE(h.contains("Accept-Encoding"));
  EXPECT_EQ(h.joined("x-multi"), "1, 2");
  EXPECT_FALSE(h.contains("Content-Length"));
}

TEST_F(ClientTest, PostSendsItsBodyWithContentLength) {
  HttpPeer peer([](const Received& req, PeerConnection& c) { c.write(ok("got " + req.body)); });
  auto out = std::make_shared<Outcome>();
  Request r = http_post(peer.url("/form"), "a=1&b=2", {}, [out](std::string body, Response hdr) {
    ++out->calls;
    out->body = std::move(body);
    out->hdr = std::move(hdr);
  });
  ASSERT_TRUE(run_until([&] { return out->calls == 1; }));
  EXPECT_EQ(out->body, "got a=1&b=2");
  EXPECT_EQ(peer.requests()[0].method, "POST");
  EXPECT_EQ(peer.requests()[0].headers.value("Content-Length"), "7");
  // A body above the single-write size goes out too.
  std::string big(300000, 'b');
  Options o;
  o.body = big;
  Outcome put = fetch_now("PUT", peer.url("/big"), std::move(o));
  EXPECT_EQ(put.body, "got " + big);
}

TEST_F(ClientTest, HeadNoContentAndNotModifiedHaveNoBodyWhateverTheHeaderSays) {
  HttpPeer peer([](const Received& req, PeerConnection& c) {
    if (req.target == "/204")
      return c.write("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n");
    if (req.target == "/304")
      return c.write("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n");
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
  });
  Outcome head = fetch_now("HEAD", peer.url("/"));
  EXPECT_EQ(head.hdr.status, 200);
  EXPECT_EQ(head.hdr.headers.value("Content-Length"), "1000");
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(fetch_now("GET", peer.url("/204")).hdr.status, 204);
  EXPECT_EQ(fetch_now("GET", peer.url("/304")).hdr.status, 304);
  // All three left the connection usable.
  EXPECT_EQ(peer.accepted(), 1);
}

TEST_F(ClientTest, AChunkedBodyIsJoinedAndItsTrailerAddedToTheHeaders) {
  HttpPeer peer([](const Received&, PeerConnection& c) {
    c.write(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n1;ext=x\r\n \r\n5\r\nworld\r\n0\r\nX-Checksum: 42\r\n\r\n");
  });
  Outcome r = fetch_now("GET", peer.url("/"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.hdr.headers.value("x-checksum"), "42");
}

TEST_F(ClientTest, ABodyWithoutLengthRunsUntilTheServerCloses) {
  HttpPeer peer([](const Received&, PeerConnection& c) {
    c.write("HTTP/1.0 200 OK\r\n\r\nuntil the end");
    c.close();
  });
  Outcome r = fetch_now("GET", peer.url("/"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.hdr.http_version, "1.0");
  EXPECT_EQ(r.body, "until the end");
  EXPECT_EQ(pool_stats().idle, 0u);
}

TEST_F(ClientTest, InterimResponsesAreSkipped) {
  HttpPeer peer([](const Received&, PeerConnection& c) {
    c.write("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n");
    c.write(ok("final"));
  });
  Outcome r = fetch_now("GET", peer.url("/"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body, "final");
  EXPECT_FALSE(r.hdr.headers.contains("Link"));
}

TEST_F(ClientTest, ExpectContinueHoldsTheBodyUntilTheServerSaysContinue) {
  bool saw_head_alone = false;
  HttpPeer peer([](const Received& req, PeerConnection& c) { c.write(ok("got " + req.body)); },
                [&](PeerConnection& c) {
                  // Look at the first bytes before the parser does: the head arrives without the
                  // body.
                  c.stop_parsing();
                  c.handle().on_read([&, conn = &c](Handle& h) {
                    std::string_view in = h.rbuf().view();
                    if (in.find("\r\n\r\n") == std::string_view::npos) return;
                    saw_head_alone = in.ends_with("\r\n\r\n") &&
                                     in.find("Expect: 100-continue") != std::string_view::npos;
                    h.rbuf().clear();
                    h.on_read([conn](Handle& h2) {
                      if (h2.rbuf().size() < 4) return;
                      std::string body(h2.rbuf().view());
                      h2.rbuf().clear();
                      conn->write(ok("got " + body));
                    });
                    conn->write("HTTP/1.1 100 Continue\r\n\r\n");
                  });
                });
  Options o;
  o.body = "data";
  o.expect_continue = true;
  o.expect_timeout = 60;  // the server's 100 must be what releases the body
  Outcome r = fetch_now("PUT", peer.url("/"), std::move(o));
  EXPECT_TRUE(saw_head_alone);
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body, "got data");
}

TEST_F(ClientTest, AFinalAnswerToExpectContinueMeansTheBodyIsNeverSent) {
  HttpPeer peer([](const Received&, PeerConnection&) {},
                [](PeerConnection& c) {
                  c.stop_parsing();
                  c.write("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
                });
  Options o;
  o.body = "never";
  o.expect_continue = true;
  o.expect_timeout = 60;
  Outcome r = fetch_now("PUT", peer.url("/"), std::move(o));
  EXPECT_EQ(r.hdr.status, 417);
  EXPECT_EQ(pool_stats().idle, 0u);  // the server may still expect the body: not reused
}

TEST_F(ClientTest, RedirectsAreFollowedAndRecordedInTheChain) {
  HttpPeer peer([](const Received& req, PeerConnection& c) {
    if (req.target == "/a/start") {
      c.write("HTTP/1.1 302 Found\r\nLocation: ../b/next?x=1\r\nContent-Length: 3\r\n\r\nhop");
    } else if (req.target == "/b/next?x=1") {
      c.write("HTTP/1.1 301 Moved\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n");
    } else {
      c.write(ok("landed via " + req.method));
    }
  });
  Outcome r = fetch_now("GET", peer.url("/a/start"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body, "landed via GET");
  EXPECT_EQ(r.hdr.url, peer.url("/final"));
  ASSERT_TRUE(r.hdr.redirect);
  EXPECT_EQ(r.hdr.redirect->response.status, 301);
  EXPECT_EQ(r.hdr.redirect->response.url, peer.url("/b/next?x=1"));
  ASSERT_TRUE(r.hdr.redirect->response.redirect);
  EXPECT_EQ(r.hdr.redirect->response.redirect->response.status, 302);
  EXPECT_EQ(r.hdr.redirect->response.redirect->body, "hop");
  EXPECT_EQ(peer.accepted(), 1);  // every hop on the one kept-alive connection
}

TEST_F(ClientTest, SeeOtherTurnsAPostIntoAGetButTemporaryRedirectKeepsIt) {
  HttpPeer peer([](const Received& req, PeerConnection& c) {
    if (req.target == "/303") {
      c.write("HTTP/1.1 303 See Other\r\nLocation: /show\r\nContent-Length: 0\r\n\r\n");
    } else if (req.target == "/307") {
      c.write("HTTP/1.1 307 Temporary Redirect\r\nLocation: /show\r\nContent-Length: 0\r\n\r\n");
    } else {
      c.write(ok(req.method + " [" + req.body + "] " +
                 std::string(req.headers.value("Content-Length"))));
    }
  });
  EXPECT_EQ(fetch_now("POST", peer.url("/303"), {.body = "payload"}).body, "GET [] ");
  EXPECT_EQ(fetch_now("POST", peer.url("/307"), {.body = "payload"}).body, "POST [payload] 7");
}

TEST_F(ClientTest, ARedirectLoopEndsWith599AndRecurseZeroReturnsTheRedirect) {
  HttpPeer peer([](const Received& req, PeerConnection& c) {
    std::string next = req.target == "/ping" ? "/pong" : "/ping";
    c.write("HTTP/1.1 302 Found\r\nLocation: " + next + "\r\nContent-Length: 0\r\n\r\n");
  });
  Outcome loop = fetch_now("GET", peer.url("/ping"), {.recurse = 3});
  EXPECT_EQ(loop.hdr.status, kStatusOtherError);
  EXPECT_EQ(loop.hdr.error, Error::kTooManyRedirects);
  EXPECT_EQ(peer.requests().size(), 4u);  // the first request and three redirects
  Outcome none = fetch_now("GET", peer.url("/ping"), {.recurse = 0});
  EXPECT_EQ(none.hdr.status, 302);
  EXPECT_EQ(none.hdr.headers.value("Location"), "/pong");
}

TEST_F(ClientTest, UserinfoIsSentAsBasicAuthAndNoCredentialsLeaveTheOrigin) {
  // Another host, and the same host on another port (another origin, RFC 6454, as curl treats
  // it), get neither the caller's Authorization nor its Cookie.
  HttpPeer other([](const Received&, PeerConnection& c) { c.write(ok("other")); });
  HttpPeer peer([&](const Received& req, PeerConnection& c) {
    std::string host = req.target == "/away" ? "localhost" : "127.0.0.1";
    if (req.target == "/away" || req.target == "/port") {
      c.write("HTTP/1.1 307 Temporary Redirect\r\nLocation: http://" + host + ":" +
              std::to_string(other.port()) + "/\r\nContent-Length: 0\r\n\r\n");
    } else {
      c.write(ok(""));
    }
  });
  fetch_now("GET", "http://alice:s%20cret@127.0.0.1:" + std::to_string(peer.port()) + "/");
  EXPECT_EQ(peer.requests()[0].headers.value("Authorization"), "Basic YWxpY2U6cyBjcmV0");
  for (const char* path : {"/away", "/port"}) {
    Options o;
    o.headers.add("Authorization", "Bearer secret");
    o.headers.add("Cookie", "session=1");
    EXPECT_EQ(fetch_now("GET", peer.url(path), std::move(o)).body, "other") << path;
    EXPECT_EQ(peer.requests().back().headers.value("Authorization"), "Bearer secret");
    ASSERT_FALSE(other.requests().empty());
    EXPECT_FALSE(other.requests().back().headers.contains("Authorization")) << path;
    EXPECT_FALSE(other.requests().back().headers.contains("Cookie")) << path;
  }
  EXPECT_EQ(other.requests().size(), 2u);
}

TEST_F(ClientTest, TheCookieJarIsFilledAndSentOnEveryHop) {
  HttpPeer peer([](const Received& req, PeerConnection& c) {
    if (req.target == "/login") {
      c.write(
          "HTTP/1.1 302 Found\r\nSet-Cookie: sid=42; Path=/\r\nSet-Cookie: theme=dark\r\n"
          "Location: /home\r\nContent-Length: 0\r\n\r\n");
    } else {
      c.write(ok("cookie: " + req.headers.joined("Cookie")));
    }
  });
  CookieJar jar;
  Options o;
  o.cookie_jar = &jar;
  Outcome r = fetch_now("GET", peer.url("/login"), std::move(o));
  EXPECT_EQ(r.body, "cookie: sid=42; theme=dark");
  EXPECT_EQ(jar.cookies().size(), 2u);
}

TEST_F(ClientTest, GzipAndDeflateBodiesAreDecodedUnlessRawBytesAreAsked) {
  std::string text(100000, 'z');
  for (std::size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  uLongf n = compressBound(text.size());
  std::string zlib(n, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(zlib.data()), &n,
                      reinterpret_cast<const Bytef*>(text.data()), text.size(), 6),
            Z_OK);
  zlib.resize(n);
  HttpPeer peer([&](const Received&, PeerConnection& c) {
    c.write(ok(zlib, "Content-Encoding: deflate\r\n"));
  });
  Outcome decoded = fetch_now("GET", peer.url("/"));
  EXPECT_TRUE(decoded.body == text) << decoded.body.size();
  Options raw;
  raw.decompress = false;
  Outcome coded = fetch_now("GET", peer.url("/"), std::move(raw));
  EXPECT_TRUE(coded.body == zlib);
  EXPECT_FALSE(peer.requests()[1].headers.contains("Accept-Encoding"));
}

TEST_F(ClientTest, OnBodyStreamsPiecesAndOnHeaderSeesTheHeaderFirst) {
  std::string big(1 << 20, 'x');
  HttpPeer peer([&](const Received&, PeerConnection& c) { c.write(ok(big)); });
  std::vector<std::string> order;
  std::size_t streamed = 0;
  int pieces = 0;
  Options o;
  o.on_header = [&](const Response& hdr) {
    order.push_back("header " + std::to_string(hdr.status));
    return true;
  };
  o.on_body = [&](std::string_view piece, const Response& hdr) {
    if (pieces++ == 0) order.push_back("body " + std::string(hdr.headers.value("Content-Length")));
    streamed += piece.size();
    return true;
  };
  Outcome r = fetch_now("GET", peer.url("/"), std::move(o));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(streamed, big.size());
  EXPECT_GT(pieces, 1);
  EXPECT_EQ(order, (std::vector<std::string>{"header 200", "body 1048576"}));
}

TEST_F(ClientTest, ConnectionSettingsBoundTheReadsAndSoThePiecesOnBodyGets) {
  std::string big(1 << 20, 'x');
  HttpPeer peer([&](const Received&, PeerConnection& c) { c.write(ok(big)); });
  auto largest_piece = [&](ConnectionSettings settings) {
    std::size_t largest = 0;
    std::size_t streamed = 0;
    Options o;
    o.connection = settings;
    o.persistent = false;  // each request on a connection made with its own settings
    o.on_body = [&](std::string_view piece, const Response&) {
      largest = std::max(largest, piece.size());
      streamed += piece.size();
      return true;
    };
    EXPECT_EQ(fetch_now("GET", peer.url("/"), std::move(o)).hdr.status, 200);
    EXPECT_EQ(streamed, big.size());
    return largest;
  };
  EXPECT_LE(largest_piece({.read_size = 1000, .max_read_size = 1000}), 1000u);
  EXPECT_GT(largest_piece({}), 1000u);  // the default reads grow up to 128 KiB
}

TEST_F(ClientTest, OnHeaderOrOnBodyReturningFalseCancelsWith598) {
  HttpPeer peer([](const Received&, PeerConnection& c) { c.write(ok(std::string(100000, 'y'))); });
  Options h;
  h.on_header = [](const Response&) { return false; };
  Outcome a = fetch_now("GET", peer.url("/"), std::move(h));
  EXPECT_EQ(a.hdr.status, kStatusCancelled);
  EXPECT_EQ(a.hdr.reason, "Request cancelled by on_header");
  EXPECT_EQ(a.hdr.orig_status, 200);
  Options b;
  b.on_body = [](std::string_view, const Response&) { return false; };
  Outcome c = fetch_now("GET", peer.url("/"), std::move(b));
  EXPECT_EQ(c.hdr.status, kStatusCancelled);
  EXPECT_EQ(c.hdr.error, Error::kAborted);
}

TEST_F(ClientTest, WantBodyHandleHandsOverTheConnectionAtTheStartOfTheBody) {
  HttpPeer peer([](const Received&, PeerConnection& c) {
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234");
  });
  Options o;
  o.want_body_handle = true;
  Outcome r = fetch_now("GET", peer.url("/"), std::move(o));
  ASSERT_EQ(r.hdr.status, 200);
  ASSERT_FALSE(r.hdr.body_handle.destroyed());
  Handle h = std::move(r.hdr.body_handle);
  std::string got;
  h.on_read([&](Handle& handle) {
    got.append(handle.rbuf().view());
    handle.rbuf().clear();
  });
  ASSERT_TRUE(run_until([&] { return got.size() >= 5; }));
  EXPECT_EQ(got, "01234");
  EXPECT_EQ(pool_stats().active, 0u);
}

TEST_F(ClientTest, AStreamedUploadGoesOutChunkedWithItsTrailer) {
  HttpPeer peer([](const Received& req, PeerConnection& c) {
    c.write(ok(req.body + "|" + std::string(req.headers.value("Transfer-Encoding")) + "|" +
               std::string(req.trailers.value("X-Sum"))));
  });
  int calls = 0;
  Options o;
  o.body_producer = [&](BodyWriter w) {
    ++calls;
    if (calls <= 3) {
      w.write("part" + std::to_string(calls) + ";");
    } else {
      w.end({{"X-Sum", "3"}});
    }
  };
  Outcome r = fetch_now("POST", peer.url("/upload"), std::move(o));
  EXPECT_EQ(r.body, "part1;part2;part3;|chunked|3");
  EXPECT_EQ(calls, 4);
}

TEST_F(ClientTest, AStreamedUploadOfKnownLengthGoesOutWithContentLength) {
  HttpPeer peer([](const Received& req, PeerConnection& c) {
    c.write(ok(std::to_string(req.body.size()) + " " +
               std::string(req.headers.value("Content-Length"))));
  });
  std::string chunk(100000, 'u');
  int produced = 0;
  Options o;
  o.body_length = 50 * chunk.size();
  o.body_producer = [&](BodyWriter w) {
    // Write a few pieces per call; the client calls again when they have gone out.
    for (int i = 0; i < 4 && produced < 50; ++i, ++produced) w.write(chunk);
    if (produced == 50) w.end();
  };
  Outcome r = fetch_now("PUT", peer.url("/"), std::move(o));
  EXPECT_EQ(r.body, "5000000 5000000");
}

TEST_F(ClientTest, AProducerThatBreaksItsLengthEndsTheRequest) {
  HttpPeer peer([](const Received&, PeerConnection& c) { c.write(ok("")); });
  Options o;
  o.body_length = 10;
  o.body_producer = [](BodyWriter w) {
    w.write("short");
    w.end();
  };
  Outcome r = fetch_now("PUT", peer.url("/"), std::move(o));
  EXPECT_EQ(r.hdr.status, kStatusCancelled);
  EXPECT_NE(r.hdr.reason.find("5 of 10"), std::string::npos) << r.hdr.reason;
}

TEST_F(ClientTest, KeepAliveReusesOneConnectionForSequentialRequests) {
  HttpPeer peer([](const Received& req, PeerConnection& c) { c.write(ok(req.target)); });
  PoolStats before = pool_stats();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(fetch_now("GET", peer.url("/" + std::to_string(i))).body, "/" + std::to_string(i));
  }
  EXPECT_EQ(peer.accepted(), 1);
  PoolStats after = pool_stats();
  EXPECT_EQ(after.connections_made - before.connections_made, 1u);
  EXPECT_EQ(after.connections_reused - before.connections_reused, 3u);
  EXPECT_EQ(after.idle, 1u);
  EXPECT_EQ(after.active, 0u);
}

// A connector of the test's own: every host name leads to the peer (as a SOCKS proxy would).
class ToThePeer : public Connector {
 public:
  explicit ToThePeer(std::uint16_t port) : port_(port) {}
  Guard connect(std::string_view host, std::string_view service, ConnectCallback cb,
                PrepareCallback prepare) override {
    asked.push_back(std::string(host) + ":" + std::string(service));
    return tcp_connect("127.0.0.1", std::to_string(port_), std::move(cb), std::move(prepare));
  }
  std::vector<std::string> asked;

 private:
  std::uint16_t port_;
};

TEST_F(ClientTest, AConnectorOfTheCallersOwnMakesTheConnectionsAndTheyArePooled) {
  HttpPeer peer([](const Received& req, PeerConnection& c) {
    c.write(ok(std::string(req.headers.value("Host")) + req.target));
  });
  ToThePeer connector(peer.port());
  Outcome a = fetch_now("GET", "http://nowhere.invalid/a", {.connector = &connector});
  Outcome b = fetch_now("GET", "http://nowhere.invalid/b", {.connector = &connector});
  EXPECT_EQ(a.body, "nowhere.invalid/a");
  EXPECT_EQ(b.body, "nowhere.invalid/b");
  EXPECT_EQ(connector.asked, std::vector<std::string>{"nowhere.invalid:80"});
  EXPECT_EQ(peer.accepted(), 1);  // the second request reused the connector's connection
  // Another connector does not get that connection from the pool: it makes its own.
  ToThePeer other(peer.port());
  EXPECT_EQ(fetch_now("GET", "http://nowhere.invalid/c", {.connector = &other}).body,
            "nowhere.invalid/c");
  EXPECT_EQ(other.asked.size(), 1u);
  EXPECT_EQ(peer.accepted(), 2);
}

TEST_F(ClientTest, ConnectionCloseAndNonIdempotentRequestsAreNotKept) {
  HttpPeer peer([](const Received& req, PeerConnection& c) {
    c.write(ok("", req.target == "/close" ? "Connection: close\r\n" : ""));
  });
  fetch_now("GET", peer.url("/close"));
  EXPECT_EQ(pool_stats().idle, 0u);
  fetch_now("POST", peer.url("/post"));
  EXPECT_EQ(pool_stats().idle, 0u);
  EXPECT_EQ(peer.requests()[1].headers.value("Connection"), "close");
  fetch_now("POST", peer.url("/post"), {.persistent = true});
  EXPECT_EQ(pool_stats().idle, 1u);
}

TEST_F(ClientTest, AReusedConnectionTheServerDroppedIsRetriedOnceOnAFreshOne) {
  int served = 0;
  HttpPeer peer([&](const Received&, PeerConnection& c) {
    ++served;
    if (c.id() == 1 && served == 2) {
      c.close();  // the second request on the first connection: closed unanswered
      return;
    }
    c.write(ok("answer " + std::to_string(served)));
  });
  EXPECT_EQ(fetch_now("GET", peer.url("/1")).body, "answer 1");
  Outcome r = fetch_now("GET", peer.url("/2"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body, "answer 3");
  EXPECT_EQ(peer.accepted(), 2);
}

TEST_F(ClientTest, ANonIdempotentRequestIsNotRetried) {
  int served = 0;
  HttpPeer peer([&](const Received&, PeerConnection& c) {
    if (++served == 2) return c.close();
    c.write(ok("first"));
  });
  fetch_now("POST", peer.url("/"), {.persistent = true});
  Outcome r = fetch_now("POST", peer.url("/"), {.persistent = true});
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, Error::kNoResponse);
  EXPECT_EQ(peer.accepted(), 1);
}

TEST_F(ClientTest, ThePoolLimitsConnectionsPerHostAndQueuesTheRest) {
  int max_open = 0;
  std::vector<PeerConnection*> held;
  HttpPeer peer([&](const Received&, PeerConnection& c) {
    max_open = std::max(max_open, peer.open());
    c.write(ok("x"));
  });
  set_pool_options({.max_per_host = 2, .max_total = 10, .idle_timeout = 3});
  int done = 0;
  std::vector<Request> requests;
  requests.reserve(6);
  for (int i = 0; i < 6; ++i) {
    requests.push_back(http_get(peer.url("/" + std::to_string(i)), {},
                                [&](const std::string& body, const Response& hdr) {
                                  EXPECT_EQ(hdr.status, 200);
                                  EXPECT_EQ(body, "x");
                                  ++done;
                                }));
  }
  ASSERT_TRUE(run_until([&] { return done == 6; }));
  EXPECT_LE(max_open, 2);
  EXPECT_EQ(peer.accepted(), 2);
  // Requests were served in the order they were made.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(peer.requests()[i].target, "/" + std::to_string(i));
}

TEST_F(ClientTest, ThePoolLimitsConnectionsInAllAcrossHosts) {
  // Two host names, each allowed 4 connections, 2 in all: the peers hold every request until
  // the test lets them answer.
  std::vector<PeerConnection*> held;
  auto holding = [&](const Received&, PeerConnection& c) { held.push_back(&c); };
  HttpPeer a(holding);
  HttpPeer b(holding);
  set_pool_options({.max_per_host = 4, .max_total = 2, .idle_timeout = 3});
  int done = 0;
  std::vector<Request> requests;
  for (int i = 0; i < 3; ++i) {
    for (const std::string& url :
         {a.url("/"), "http://localhost:" + std::to_string(b.port()) + "/"}) {
      requests.push_back(http_get(url, {}, [&](const std::string& body, const Response& hdr) {
        EXPECT_EQ(hdr.status, 200) << hdr.reason;
        EXPECT_EQ(body, "x");
        ++done;
      }));
    }
  }
  ASSERT_TRUE(run_until([&] { return held.size() == 2 && pool_stats().waiting == 4; }))
      << held.size() << " requests arrived, " << pool_stats().waiting << " wait";
  EXPECT_EQ(pool_stats().active, 2u);
  // Each answer frees a slot for the next request in line, until all six are done.
  std::size_t answered = 0;
  ASSERT_TRUE(run_until([&] {
    while (answered < held.size()) {
      EXPECT_LE(pool_stats().active, 2u);
      held[answered++]->write(ok("x"));
    }
    return done == 6;
  }));
  EXPECT_EQ(a.requests().size() + b.requests().size(), 6u);
}

TEST_F(ClientTest, AnIdleConnectionIsClosedAfterThePoolsIdleTimeout) {
  HttpPeer peer([](const Received&, PeerConnection& c) { c.write(ok("x")); });
  set_pool_options({.max_per_host = 4, .max_total = 64, .idle_timeout = 0.2});
  Outcome r = fetch_now("GET", peer.url("/"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(pool_stats().idle, 1u);
  // The pool closes it: the peer sees the end of the connection.
  ASSERT_TRUE(run_until([&] { return peer.accepted() == 1 && peer.open() == 0; }));
  EXPECT_EQ(pool_stats().idle, 0u);
  // The next request needs a new connection.
  EXPECT_EQ(fetch_now("GET", peer.url("/")).hdr.status, 200);
  EXPECT_EQ(peer.accepted(), 2);
}

TEST_F(ClientTest, AnIdleConnectionIsDroppedWhenItsServerClosesItOrSendsUnasked) {
  PeerConnection* last = nullptr;
  HttpPeer peer([&](const Received&, PeerConnection& c) {
    last = &c;
    c.write(ok("x"));
  });
  for (bool close : {true, false}) {
    EXPECT_EQ(fetch_now("GET", peer.url("/")).hdr.status, 200);
    ASSERT_EQ(pool_stats().idle, 1u);
    if (close) {
      last->close();
    } else {
      last->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");  // nobody asked
    }
    ASSERT_TRUE(run_until([&] { return pool_stats().idle == 0; })) << close;
    ASSERT_TRUE(run_until([&] { return peer.open() == 0; }));
  }
  // Each request had a connection of its own: nothing was sent on a dead one.
  EXPECT_EQ(peer.accepted(), 2);
  EXPECT_EQ(peer.requests().size(), 2u);
}

TEST_F(ClientTest, DestroyingTheGuardCancelsSilentlyAndCancelCallsBackWith598) {
  HttpPeer peer([](const Received&, PeerConnection&) {});  // never answers
  int silent_calls = 0;
  {
    Request r =
        http_get(peer.url("/"), {}, [&](const std::string&, const Response&) { ++silent_calls; });
    ASSERT_TRUE(run_until([&] { return peer.requests().size() == 1; }));
  }
  Outcome cancelled;
  Request r = http_get(peer.url("/"), {}, [&](const std::string&, Response hdr) {
    ++cancelled.calls;
    cancelled.hdr = std::move(hdr);
  });
  ASSERT_TRUE(run_until([&] { return peer.requests().size() == 2; }));
  r.cancel();
  EXPECT_EQ(cancelled.calls, 0) << "cancel() called back inside itself";
  ASSERT_TRUE(run_until([&] { return cancelled.calls == 1; }));
  EXPECT_EQ(cancelled.hdr.status, kStatusCancelled);
  EXPECT_EQ(cancelled.hdr.reason, "Request cancelled");
  ASSERT_TRUE(run_until([&] { return peer.closed() == 2; })) << "the connections stay open";
  EXPECT_EQ(silent_calls, 0);
  EXPECT_EQ(cancelled.calls, 1);
}

TEST_F(ClientTest, ADetachedRequestRunsToItsCallback) {
  HttpPeer peer([](const Received&, PeerConnection& c) { c.write(ok("detached")); });
  std::string got;
  http_get(peer.url("/"), {}, [&](std::string body, const Response&) {
    got = std::move(body);
  }).detach();
  ASSERT_TRUE(run_until([&] { return !got.empty(); }));
  EXPECT_EQ(got, "detached");
}

TEST_F(ClientTest, TheGuardMayBeDestroyedInsideTheCallback) {
  HttpPeer peer([](const Received&, PeerConnection& c) { c.write(ok("x")); });
  auto holder = std::make_unique<Request>();
  bool called = false;
  *holder = http_get(peer.url("/"), {}, [&](const std::string&, const Response&) {
    called = true;
    holder.reset();
  });
  ASSERT_TRUE(run_until([&] { return called; }));
  EXPECT_FALSE(holder);
}

TEST_F(ClientTest, EachLoopHasItsOwnPoolAndItsConnectionsGoWithIt) {
  HttpPeer peer([](const Received&, PeerConnection& c) { c.write(ok("x")); });
  fetch_now("GET", peer.url("/"));
  ASSERT_EQ(pool_stats().idle, 1u);
  {
    Loop other;
    Loop::Scope scope(other);
    EXPECT_EQ(pool_stats().idle, 0u);
    // A server on this loop, a request on it, an idle connection left in its pool.
    HttpPeer inner([](const Received&, PeerConnection& c) { c.write(ok("inner")); });
    EXPECT_EQ(fetch_now("GET", inner.url("/")).body, "inner");
    EXPECT_EQ(pool_stats().idle, 1u);
  }  // the loop goes, and its pool with it
  EXPECT_EQ(pool_stats().idle, 1u);
  EXPECT_EQ(fetch_now("GET", peer.url("/")).body, "x");
  EXPECT_EQ(peer.accepted(), 1);
}

Task<std::string> fetch_twice(std::string url) {
  Reply a = co_await get(url);
  Reply b = co_await fetch("POST", url);
  co_return std::to_string(a.hdr.status) + " " + a.body + ", " + std::to_string(b.hdr.status) +
      " " + b.body;
}

TEST_F(ClientTest, RequestsCanBeAwaitedFromACoroutine) {
  HttpPeer peer([](const Received& req, PeerConnection& c) { c.write(ok(req.method)); });
  Task<std::string> t = fetch_twice(peer.url("/"));
  ASSERT_TRUE(run_until([&] { return t.ready(); }));
  EXPECT_EQ(t.recv(), "200 GET, 200 POST");
}

}  // namespace
}  // namespace ae::http
