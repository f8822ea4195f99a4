// ae::http::Server on the wire: a raw client sends exact bytes (well-formed, pipelined,
// malformed, slow) and checks what comes back.
#include "http/server.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/core.h"
#include "tests/http/raw_client.h"
#include "tests/support/run_until.h"

namespace ae::http_test {
namespace {

using http::Router;
using http::Server;
using http::ServerOptions;
using http::ServerRequest;
using http::ServerResponse;
using testing::run_until;

constexpr std::string_view kGet = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

Router hello_router() {
  Router r;
  r.get("/hello", [](ServerRequest&, ServerResponse& res) {
    res.headers().set("Content-Type", "text/plain");
    res.send("hello\n");
  });
  r.post("/echo", [](ServerRequest& req, ServerResponse& res) { res.send(req.body()); });
  return r;
}

Server start(Router router, ServerOptions options = {}) {
  Result<Server> s = Server::listen("127.0.0.1", "0", std::move(router), std::move(options));
  if (!s) throw std::runtime_error(s.message());
  return std::move(*s);
}

std::string status_line(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

TEST(HttpServerTest, AnswersWithDateServerContentLengthAndBody) {
  Server server = start(hello_router());
  RawClient c(server.port());
  c.send(kGet);
  ASSERT_TRUE(c.wait_for("hello\n"));
  const std::string& r = c.received();
  EXPECT_EQ(status_line(r), "HTTP/1.1 200 OK");
  EXPECT_NE(r.find("\r\nDate: "), std::string::npos) << r;
  EXPECT_NE(r.find(" GMT\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\nServer: ae\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\nContent-Length: 6\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\nContent-Type: text/plain\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("Connection:"), std::string::npos) << r;
  EXPECT_FALSE(c.closed());
}

TEST(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Server server = start(hello_router());
  RawClient c(server.port());
  for (std::size_t i = 1; i <= 3; ++i) {
    c.send(kGet);
    ASSERT_TRUE(c.wait_count("hello\n", i));
  }
  EXPECT_EQ(server.connections(), 1u);
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInRequestOrder) {
  Router r;
  // /slow answers later than /fast would, yet its answer must come first.
  Timer later;
  r.get("/slow", [&](ServerRequest&, ServerResponse& res) {
    later = timer(0.05, [&res] { res.send("slow\n"); });
  });
  r.get("/fast/:n", [](ServerRequest& req, ServerResponse& res) {
    res.send("fast " + std::string(req.param("n")) + "\n");
  });
  Server server = start(std::move(r));
  RawClient c(server.port());
  c.send(
      "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /fast/1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /fast/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.wait_for("fast 2\n"));
  const std::string& got = c.received();
  std::size_t slow = got.find("slow\n");
  std::size_t fast1 = got.find("fast 1\n");
  std::size_t fast2 = got.find("fast 2\n");
  ASSERT_NE(slow, std::string::npos);
  EXPECT_LT(slow, fast1);
  EXPECT_LT(fast1, fast2);
}

// The most bytes the kernel lets a TCP socket hold unsent (net.ipv4.tcp_wmem's maximum).
std::uint64_t kernel_send_buffer_max() {
  std::ifstream f("/proc/sys/net/ipv4/tcp_wmem");
  std::uint64_t lo = 0;
  std::uint64_t def = 0;
  std::uint64_t max = 0;
  if (f >> lo >> def >> max) return max;
  return 4 << 20;
}

TEST(HttpServerTest, PipelinedRequestsWaitWhileTheClientLeavesTheAnswersUnread) {
  constexpr std::uint64_t kAnswer = 1 << 20;
  constexpr std::uint64_t kRequests = 40;
  std::uint64_t client_read = 0;  // answer bytes the client has read
  std::uint64_t most_unread = 0;  // answer bytes made but not yet read, at the most
  std::uint64_t calls = 0;
  Router r;
  r.get("/big", [&](ServerRequest&, ServerResponse& res) {
    most_unread = std::max(most_unread, calls * kAnswer - client_read);
    ++calls;
    res.send(std::string(kAnswer, 'z'));  // no 'z' in a head
  });
  Server server = start(std::move(r));

  // A client with a small receive buffer sends every request at once, then reads slowly.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  int rcvbuf = 64 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(server.port());
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  std::string requests;
  for (std::uint64_t i = 0; i < kRequests; ++i) requests += "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(fd, requests.data(), requests.size()), static_cast<ssize_t>(requests.size()));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  bool eof = false;
  Io reader = io(fd, kRead, [&] {
    char buf[16 * 1024];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      eof = n == 0 || errno != EAGAIN;
      return;
    }
    client_read += static_cast<std::uint64_t>(std::count(buf, buf + n, 'z'));
  });
  EXPECT_TRUE(run_until([&] { return client_read == kRequests * kAnswer || eof; }));
  reader.reset();
  ::close(fd);
  EXPECT_EQ(client_read, kRequests * kAnswer);
  EXPECT_EQ(calls, kRequests);
  // Beyond what the kernel holds, the server kept about one answer, not all forty.
  EXPECT_LE(most_unread, kernel_send_buffer_max() + 2 * kAnswer);
}

TEST(HttpServerTest, Http10ClosesAfterTheResponseUnlessAskedToKeepAlive) {
  Server server = start(hello_router());
  RawClient c(server.port());
  c.send("GET /hello HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(c.wait_closed());
  EXPECT_NE(c.received().find("Connection: close\r\n"), std::string::npos) << c.received();
  RawClient k(server.port());
  k.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(k.wait_for("hello\n"));
  EXPECT_NE(k.received().find("Connection: keep-alive\r\n"), std::string::npos) << k.received();
  k.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(k.wait_count("hello\n", 2));
}

TEST(HttpServerTest, ConnectionCloseIsHonoured) {
  Server server = start(hello_router());
  RawClient c(server.port());
  c.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(c.wait_closed());
  EXPECT_NE(c.received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(c.received().find("hello\n"), std::string::npos);
}

TEST(HttpServerTest, AChunkedRequestBodyIsDecoded) {
  Server server = start(hello_router());
  RawClient c(server.port());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: t\r\n\r\n");
  ASSERT_TRUE(c.wait_for("hello, world"));
  EXPECT_NE(c.received().find("Content-Length: 12\r\n"), std::string::npos);
}

TEST(HttpServerTest, AStreamedResponseIsChunkedAndWrittenOnDrain) {
  Router r;
  r.get("/stream", [](ServerRequest&, ServerResponse& res) {
    auto left = std::make_shared<int>(50);
    auto more = std::make_shared<Function<void()>>();
    *more = [&res, left, more] {
      if ((*left)-- == 0) {
        res.end();
        *more = nullptr;  // breaks the cycle
        return;
      }
      res.write(std::string(10000, static_cast<char>('a' + *left % 26)));
      res.on_drain([more] { (*more)(); });
    };
    (*more)();
  });
  Server server = start(std::move(r));
  RawClient c(server.port());
  c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.wait_for("\r\n0\r\n\r\n"));
  const std::string& got = c.received();
  EXPECT_NE(got.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(count(got, "\r\n2710\r\n"), 50u);  // 10000 bytes in hex
}

TEST(HttpServerTest, HeadGetsTheHeadOfGetWithoutTheBody) {
  Server server = start(hello_router());
  RawClient c(server.port());
  c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  c.send(kGet);
  ASSERT_TRUE(c.wait_for("hello\n"));
  const std::string& got = c.received();
  EXPECT_EQ(count(got, "Content-Length: 6\r\n"), 2u);
  EXPECT_EQ(count(got, "hello\n"), 1u);
  EXPECT_EQ(got.find("HTTP/1.1 200 OK\r\n", 10), got.find("\r\n\r\n") + 4);
}

TEST(HttpServerTest, Expect100ContinueGetsContinueBeforeTheBodyIsSent) {
  Server server = start(hello_router());
  RawClient c(server.port());
  c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(c.wait_for("HTTP/1.1 100 Continue\r\n\r\n"));
  c.send("body");
  ASSERT_TRUE(c.wait_for("\r\n\r\nbody"));
  EXPECT_NE(c.received().find("HTTP/1.1 200 OK\r\n"), std::string::npos);
}

TEST(HttpServerTest, Expect100ContinueWithABodyOverTheLimitIs413WithoutContinue) {
  Server server = start(hello_router(), {.max_body_size = 100});
  RawClient c(server.port());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n"
      "Expect: 100-continue\r\n\r\n");
  ASSERT_TRUE(c.wait_closed());
  EXPECT_EQ(status_line(c.received()), "HTTP/1.1 413 Content Too Large");
  EXPECT_EQ(c.received().find("100 Continue"), std::string::npos);
}

TEST(HttpServerTest, UnknownPathsAre404AndUnknownMethods405WithAllow) {
  Server server = start(hello_router());
  RawClient c(server.port());
  c.send("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.wait_for("404 Not Found\n"));
  EXPECT_EQ(status_line(c.received()), "HTTP/1.1 404 Not Found");
  RawClient d(server.port());
  d.send("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(d.wait_for("405 Method Not Allowed\n"));
  EXPECT_NE(d.received().find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << d.received();
}

TEST(HttpServerTest, ACoroutineHandlerAnswersAfterAwaiting) {
  Router r;
  r.route("GET", "/later", [](ServerRequest& req, ServerResponse& res) -> Task<> {
    CondVar<> tick;
    Timer t = timer(0.02, [&] { tick.send(); });
    co_await tick;
    res.write("waited for " + std::string(req.path()) + "\n");
    // Returning ends the response.
  });
  Server server = start(std::move(r));
  RawClient c(server.port());
  c.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.wait_for("\r\n0\r\n\r\n"));
  EXPECT_NE(c.received().find("waited for /later\n"), std::string::npos);
}

TEST(HttpServerTest, AThrowingHandlerIsAnswered500) {
  Router r;
  r.get("/throw",
        [](ServerRequest&, ServerResponse&) { throw std::runtime_error("handler failed"); });
  r.route("GET", "/cothrow", [](ServerRequest&, ServerResponse&) -> Task<> {
    CondVar<> tick;
    Timer t = timer(0, [&] { tick.send(); });
    co_await tick;
    throw std::runtime_error("coroutine failed");
  });
  Server server = start(std::move(r));
  RawClient c(server.port());
  c.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\nGET /cothrow HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.wait_count("HTTP/1.1 500 Internal Server Error\r\n", 2));
}

// ---- Limits and malformed requests ------------------------------------------------------------

struct BadCase {
  std::string name;
  std::string bytes;
  std::string status;
};

TEST(HttpServerTest, MalformedAndOversizedRequestsGetTheirStatusAndAClose) {
  ServerOptions o;
  o.max_header_size = 2048;
  o.max_header_count = 20;
  o.max_uri_length = 512;
  o.max_body_size = 1000;
  std::string many_fields;
  for (int i = 0; i < 30; ++i) many_fields += "X-F" + std::to_string(i) + ": v\r\n";
  std::vector<BadCase> cases = {
      {"garbage", "BLAH\r\n\r\n", "400 Bad Request"},
      {"no host", "GET /hello HTTP/1.1\r\n\r\n", "400 Bad Request"},
      {"two hosts", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400 Bad Request"},
      {"bad version", "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", ""},
      {"uri too long", "GET /" + std::string(600, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n",
       "414 URI Too Long"},
      {"request line over the header limit", "GET /" + std::string(3000, 'u') + " HTTP/1.1\r\n",
       "414 URI Too Long"},
      {"header too large",
       "GET /hello HTTP/1.1\r\nHost: x\r\nX: " + std::string(3000, 'h') + "\r\n\r\n",
       "431 Request Header Fields Too Large"},
      {"too many fields", "GET /hello HTTP/1.1\r\nHost: x\r\n" + many_fields + "\r\n",
       "431 Request Header Fields Too Large"},
      {"body too large", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
       "413 Content Too Large"},
      {"chunked body too large",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
           std::string(2048, 'c') + "\r\n",
       "413 Content Too Large"},
      // ServerRequest smuggling.
      {"content-length and transfer-encoding",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n",
       "400 Bad Request"},
      {"two different content-lengths",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
       "400 Bad Request"},
      {"obs-fold", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n",
       "400 Bad Request"},
      {"bare CR", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", "400 Bad Request"},
      {"bad chunk size",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
       "400 Bad Request"},
      {"chunk size overflow",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       "fffffffffffffffff1\r\nabc\r\n",
       ""},
      {"chunk extension over the header limit",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=" +
           std::string(3000, 'e'),
       "400 Bad Request"},
      {"trailer over the header limit",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " +
           std::string(3000, 't'),
       "400 Bad Request"},
      {"transfer-encoding not ending in chunked",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc", "400 Bad Request"},
      {"transfer-encoding in HTTP/1.0",
       "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       "400 Bad Request"},
      {"unknown expectation",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\nx",
       "417 Expectation Failed"},
  };
  Server server = start(hello_router(), std::move(o));
  for (const BadCase& bc : cases) {
    RawClient c(server.port());
    c.send(bc.bytes);
    EXPECT_TRUE(c.wait_closed()) << bc.name;
    std::string line = status_line(c.received());
    if (bc.status.empty()) {
      // Any 4xx/5xx will do, as long as the request is refused.
      EXPECT_TRUE(line.starts_with("HTTP/1.1 4") || line.starts_with("HTTP/1.1 5"))
          << bc.name << ": " << line;
    } else {
      EXPECT_EQ(line, "HTTP/1.1 " + bc.status) << bc.name;
    }
    EXPECT_NE(c.received().find("Connection: close\r\n"), std::string::npos) << bc.name;
  }
}

TEST(HttpServerTest, ASlowHeaderIsAnswered408) {
  Server server = start(hello_router(), {.header_timeout = 0.1});
  RawClient c(server.port());
  c.send("GET /hello HTTP/1.1\r\nHo");
  ASSERT_TRUE(c.wait_closed());
  EXPECT_EQ(status_line(c.received()), "HTTP/1.1 408 Request Timeout");
}

TEST(HttpServerTest, AStalledBodyIsAnswered408) {
  Server server = start(hello_router(), {.body_timeout = 0.1});
  RawClient c(server.port());
  c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  ASSERT_TRUE(c.wait_closed());
  EXPECT_EQ(status_line(c.received()), "HTTP/1.1 408 Request Timeout");
}

TEST(HttpServerTest, AnIdleKeptAliveConnectionIsClosedSilently) {
  Server server = start(hello_router(), {.idle_timeout = 0.1});
  RawClient c(server.port());
  c.send(kGet);
  ASSERT_TRUE(c.wait_for("hello\n"));
  ASSERT_TRUE(c.wait_closed());
  EXPECT_EQ(count(c.received(), "HTTP/1.1"), 1u);
}

std::size_t open_fds() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n;
}

TEST(HttpServerTest, AClientThatStopsReadingIsClosedAfterTheWriteTimeoutAndItsSocketFreed) {
  Router r;
  r.get("/big", [](ServerRequest&, ServerResponse& res) { res.send(std::string(32 << 20, 'x')); });
  Server server = start(std::move(r), {.write_timeout = 0.2});
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  int rcvbuf = 64 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(server.port());
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_TRUE(run_until([&] { return server.connections() == 1; }));
  std::size_t fds_with_connection = open_fds();
  std::string get = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::write(fd, get.data(), get.size()), static_cast<ssize_t>(get.size()));
  // The client never reads: the server gives up on it, and its socket goes with the connection
  // (no lingering to flush megabytes nobody reads).
  EXPECT_TRUE(run_until([&] { return server.connections() == 0; }));
  EXPECT_TRUE(run_until([&] { return open_fds() < fds_with_connection; }))
      << open_fds() << " descriptors open, " << fds_with_connection << " with the connection";
  ::close(fd);
}

TEST(HttpServerTest, ClientsBeyondMaxConnectionsWaitUntilAConnectionCloses) {
  Server server = start(hello_router(), {.max_connections = 2});
  RawClient a(server.port());
  RawClient b(server.port());
  a.send(kGet);
  b.send(kGet);
  ASSERT_TRUE(a.wait_for("hello\n"));
  ASSERT_TRUE(b.wait_for("hello\n"));
  RawClient c(server.port());
  c.send(kGet);
  // A round trip on b, asked after c's request: the loop ran while c waited to be accepted.
  b.send(kGet);
  ASSERT_TRUE(b.wait_count("hello\n", 2));
  EXPECT_EQ(server.connections(), 2u);
  EXPECT_EQ(c.received(), "");
  a.reset();
  ASSERT_TRUE(c.wait_for("hello\n"));
  EXPECT_EQ(server.connections(), 2u);
}

TEST(HttpServerTest, AClientThatResetsMidResponseMakesOnCloseRun) {
  bool closed = false;
  bool started = false;
  Router r;
  r.get("/forever", [&](ServerRequest&, ServerResponse& res) {
    started = true;
    res.write("first part");
    res.on_close([&] { closed = true; });
  });
  Server server = start(std::move(r));
  RawClient c(server.port());
  c.send("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.wait_for("first part"));
  c.reset();
  EXPECT_TRUE(run_until([&] { return closed; }));
  EXPECT_TRUE(run_until([&] { return server.connections() == 0; }));
}

TEST(HttpServerTest, AClientThatResetsMidRequestLeavesNothingBehind) {
  Server server = start(hello_router());
  RawClient c(server.port());
  c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
  ASSERT_TRUE(run_until([&] { return server.connections() == 1; }));
  c.reset();
  EXPECT_TRUE(run_until([&] { return server.connections() == 0; }));
}

TEST(HttpServerTest, AccessCallbackSeesEachResponse) {
  std::vector<std::string> lines;
  ServerOptions o;
  o.on_access = [&](const ServerRequest& req, int status, std::uint64_t bytes) {
    lines.push_back(req.method() + " " + req.target() + " " + std::to_string(status) + " " +
                    std::to_string(bytes));
  };
  Server server = start(hello_router(), std::move(o));
  RawClient c(server.port());
  c.send("GET /hello?x=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /none HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(run_until([&] { return lines.size() == 2; }));
  EXPECT_EQ(lines[0], "GET /hello?x=1 200 6");
  EXPECT_EQ(lines[1], "GET /none 404 14");
}

// ---- Shutdown -----------------------------------------------------------------------------------

TEST(HttpServerTest, GracefulShutdownFinishesInFlightRequestsAndClosesIdleOnes) {
  ServerResponse* pending = nullptr;
  Router r = hello_router();
  r.get("/pending", [&](ServerRequest&, ServerResponse& res) { pending = &res; });
  Server server = start(std::move(r));
  RawClient idle(server.port());
  idle.send(kGet);
  ASSERT_TRUE(idle.wait_for("hello\n"));
  RawClient busy(server.port());
  busy.send("GET /pending HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(run_until([&] { return pending != nullptr; }));

  bool done = false;
  server.shutdown(10, [&] { done = true; });
  EXPECT_FALSE(done);
  EXPECT_TRUE(idle.wait_closed());
  EXPECT_FALSE(busy.closed());
  pending->send("finished\n");
  ASSERT_TRUE(busy.wait_closed());
  EXPECT_NE(busy.received().find("Connection: close\r\n\r\nfinished\n"), std::string::npos)
      << busy.received();
  EXPECT_TRUE(run_until([&] { return done; }));
}

TEST(HttpServerTest, ShutdownClosesWhatIsLeftAtTheDeadline) {
  bool closed = false;
  bool started = false;
  Router r;
  r.get("/stuck", [&](ServerRequest&, ServerResponse& res) {
    started = true;
    res.on_close([&] { closed = true; });
  });
  Server server = start(std::move(r));
  RawClient c(server.port());
  c.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(run_until([&] { return started; }));
  bool done = false;
  server.shutdown(0.05, [&] { done = true; });
  EXPECT_TRUE(run_until([&] { return done; }));
  EXPECT_TRUE(closed);
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServerTest, ServesOnSeveralThreads) {
  std::atomic<int> calls{0};
  Router r;
  r.get("/t", [&](ServerRequest&, ServerResponse& res) {
    ++calls;
    res.send("ok\n");
  });
  Server server = start(std::move(r), {.threads = 3});
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 30; ++i) {
    clients.push_back(std::make_unique<RawClient>(server.port()));
    clients.back()->send("GET /t HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  for (auto& c : clients) EXPECT_TRUE(c->wait_for("ok\n"));
  EXPECT_EQ(calls.load(), 30);
  EXPECT_EQ(server.connections(), 30u);
  clients.clear();
  EXPECT_TRUE(run_until([&] { return server.connections() == 0; }));
  bool done = false;
  server.shutdown(1, [&] { done = true; });
  EXPECT_TRUE(run_until([&] { return done; }));
}

}  // namespace
}  // namespace ae::http_test
