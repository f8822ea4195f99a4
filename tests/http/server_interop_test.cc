// ae::http::Server and ae::http::fcgi::Server against real clients and servers no one here
// wrote: curl (keep-alive, chunked upload, 100-continue, Range, conditional GET), h2load --h1
// (pipelining under load), wrk (load), and nginx in front (proxy_pass with upstream keep-alive;
// fastcgi_pass with fastcgi_keep_conn), each started by the test on 127.0.0.1.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/core.h"
#include "http/fcgi.h"
#include "http/server.h"
#include "http/static_files.h"
#include "tests/examples/support/process.h"
#include "tests/http/support/nginx.h"
#include "tests/support/files.h"

namespace ae::http_test {
namespace {

using namespace std::chrono_literals;
using examples_test::Outcome;
using examples_test::Process;
using examples_test::read_file;
using examples_test::run;
using examples_test::temp_dir;
using examples_test::write_file;
using http::Router;
using http::Server;
using http::ServerRequest;
using http::ServerResponse;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::size_t count_of(const std::string& text, std::string_view part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

struct Fixture {
  Fixture() {
    dir = temp_dir("interop");
    ::mkdir((dir + "/www").c_str(), 0755);
    big = random_bytes(3 << 20, 7);
    write_file(dir + "/www/big.bin", big);
    write_file(dir + "/www/index.html", "<h1>ae</h1>\n");
    Router r;
    r.post("/echo", [](ServerRequest& req, ServerResponse& res) { res.send(req.body()); });
    r.get("/small", [](ServerRequest&, ServerResponse& res) { res.send("small response\n"); });
    r.get("/*path", http::static_files(dir + "/www"));
    http::ServerOptions o;
    o.max_body_size = 8 << 20;
    o.on_access = [this](const ServerRequest& req, int, std::uint64_t) {
      peers.insert(req.peer_port());
      ++requests;
    };
    Result<Server> s = Server::listen("127.0.0.1", "0", std::move(r), std::move(o));
    EXPECT_TRUE(s) << s.message();
    server = std::make_unique<Server>(std::move(*s));
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + std::string(path);
  }
  std::string dir;
  std::string big;
  std::unique_ptr<Server> server;
  std::set<std::uint16_t> peers;
  int requests = 0;
};

TEST(HttpServerInteropTest, CurlReusesTheConnectionForSeveralRequests) {
  Fixture f;
  Outcome r =
      run({"/usr/bin/curl", "-sS", "-v", f.url("/small"), f.url("/small"), f.url("/small")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "small response\nsmall response\nsmall response\n");
  EXPECT_TRUE(contains(r.err, "Re-using existing connection")) << r.err;
  EXPECT_EQ(f.peers.size(), 1u);
  EXPECT_EQ(f.requests, 3);
}

TEST(HttpServerInteropTest, CurlUploadsAChunkedBody) {
  Fixture f;
  std::string body = random_bytes(1 << 20, 3);
  write_file(f.dir + "/upload.bin", body);
  Outcome r = run({"/usr/bin/curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary",
                   "@" + f.dir + "/upload.bin", f.url("/echo")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == body) << "echoed " << r.out.size() << " bytes of " << body.size();
}

TEST(HttpServerInteropTest, CurlWaitsFor100ContinueAndGets413ForABodyOverTheLimit) {
  Fixture f;
  std::string body = random_bytes(2 << 20, 4);
  write_file(f.dir + "/upload.bin", body);
  Outcome ok = run({"/usr/bin/curl", "-sS", "-v", "-H", "Expect: 100-continue", "--data-binary",
                    "@" + f.dir + "/upload.bin", f.url("/echo")});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(contains(ok.err, "HTTP/1.1 100 Continue")) << ok.err;
  EXPECT_TRUE(ok.out == body);
  std::string huge(9 << 20, 'x');
  write_file(f.dir + "/huge.bin", huge);
  Outcome refused =
      run({"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
           "Expect: 100-continue", "--data-binary", "@" + f.dir + "/huge.bin", f.url("/echo")});
  EXPECT_EQ(refused.out, "413") << refused.err;
}

TEST(HttpServerInteropTest, CurlGetsRangesAndConditionalAnswersForFiles) {
  Fixture f;
  Outcome r = run({"/usr/bin/curl", "-sS", "-r", "100-199", f.url("/big.bin")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == f.big.substr(100, 100));
  Outcome tail = run({"/usr/bin/curl", "-sS", "-r", "-10", f.url("/big.bin")});
  EXPECT_TRUE(tail.out == f.big.substr(f.big.size() - 10));
  Outcome whole = run({"/usr/bin/curl", "-sS", "-D", f.dir + "/head.txt", f.url("/big.bin")});
  EXPECT_TRUE(whole.out == f.big);
  std::string head = read_file(f.dir + "/head.txt");
  std::size_t at = head.find("ETag: ");
  ASSERT_NE(at, std::string::npos) << head;
  std::string etag = head.substr(at + 6, head.find("\r\n", at) - at - 6);
  Outcome same = run({"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                      "If-None-Match: " + etag, f.url("/big.bin")});
  EXPECT_EQ(same.out, "304");
  Outcome since = run({"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-z",
                       f.dir + "/www/big.bin", f.url("/big.bin")});
  EXPECT_EQ(since.out, "304");
  Outcome unsatisfiable = run({"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                               "-r", "99999999-", f.url("/big.bin")});
  EXPECT_EQ(unsatisfiable.out, "416");
}

TEST(HttpServerInteropTest, CurlGetsFileBodiesByteExactOverOneConnection) {
  Fixture f;
  // Whole, a range from the middle, a range at the end, HEAD, then a small file: sendfile bodies
  // and the heads before them must line up on one kept-alive connection.
  Outcome r = run({"/usr/bin/curl",
                   "-sS",
                   f.url("/big.bin"),
                   "--next",
                   "-sS",
                   "-r",
                   "1000-2999999",
                   f.url("/big.bin"),
                   "--next",
                   "-sS",
                   "-r",
                   "-7",
                   f.url("/big.bin"),
                   "--next",
                   "-sS",
                   "-I",
                   f.url("/big.bin"),
                   "--next",
                   "-sS",
                   f.url("/index.html")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string expected = f.big + f.big.substr(1000, 2999000) + f.big.substr(f.big.size() - 7);
  ASSERT_TRUE(r.out.starts_with(expected)) << r.out.size();
  std::string rest = r.out.substr(expected.size());
  EXPECT_TRUE(contains(rest, "Content-Length: " + std::to_string(f.big.size()))) << rest;
  EXPECT_TRUE(rest.ends_with("\r\n\r\n<h1>ae</h1>\n")) << rest;
  EXPECT_EQ(f.requests, 5);
  EXPECT_EQ(f.peers.size(), 1u);
}

TEST(HttpServerInteropTest, H2loadPipelinesRequestsOverHttp1) {
  Fixture f;
  Outcome r = run({"/usr/bin/h2load", "--h1", "-n", "2000", "-c", "4", "-m", "16", f.url("/small")},
                  std::nullopt, 60s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "2000 succeeded, 0 failed, 0 errored")) << r.out;
  EXPECT_TRUE(contains(r.out, "status codes: 2000 2xx")) << r.out;
  EXPECT_EQ(f.requests, 2000);
}

TEST(HttpServerInteropTest, WrkGetsOnlySuccessfulAnswers) {
  Fixture f;
  Outcome r =
      run({"/usr/bin/wrk", "-t", "1", "-c", "8", "-d", "1", f.url("/small")}, std::nullopt, 60s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Requests/sec:")) << r.out;
  EXPECT_FALSE(contains(r.out, "Non-2xx")) << r.out;
  EXPECT_FALSE(contains(r.out, "Socket errors")) << r.out;
  EXPECT_GT(f.requests, 0);
}

// socat sends exact bytes, then half-closes; the server must answer each malformed or smuggling
// request with its status and close, and never answer a request hidden in the first one's body.
TEST(HttpServerInteropTest, SocatMalformedAndSmugglingRequestsAreRefusedAndClosed) {
  Fixture f;
  std::string hidden = "GET /small HTTP/1.1\r\nHost: x\r\n\r\n";
  struct Case {
    std::string name;
    std::string bytes;
    std::string status;
  };
  std::vector<Case> cases = {
      {"content-length and transfer-encoding",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n" +
           hidden,
       "400"},
      {"transfer-encoding and content-length",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
       "0\r\n\r\n" +
           hidden,
       "400"},
      {"two content-lengths",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 37\r\n\r\n" + hidden,
       "400"},
      {"obs-fold",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nX: a\r\n b\r\n\r\n" + hidden, "400"},
      {"bare CR", "GET /small HTTP/1.1\r\nHost: x\rX: y\r\n\r\n" + hidden, "400"},
      {"bad chunk size",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n\r\n" + hidden,
       "400"},
      {"chunk size with trailing junk",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
       "chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n" +
           hidden,
       "400"},
      {"transfer-encoding gzip only",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + hidden, "400"},
      {"no host", "GET /small HTTP/1.1\r\n\r\n" + hidden, "400"},
      {"garbage", std::string("\x16\x03\x01\x00\x05", 5) + "hello\r\n\r\n" + hidden, "400"},
      {"long uri", "GET /" + std::string(9000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n", "414"},
      {"huge field", "GET /small HTTP/1.1\r\nHost: x\r\nX: " + std::string(20000, 'h') + "\r\n\r\n",
       "431"},
      {"body over the limit",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n" + hidden, "413"},
  };
  for (const Case& c : cases) {
    Outcome r = run({"/usr/bin/socat", "-t", "10", "STDIO",
                     "TCP4:127.0.0.1:" + std::to_string(f.server->port())},
                    c.bytes);
    EXPECT_EQ(r.exit_code, 0) << c.name << ": " << r.err;
    EXPECT_TRUE(r.out.starts_with("HTTP/1.1 " + c.status + " ")) << c.name << ": " << r.out;
    EXPECT_TRUE(contains(r.out, "\r\nConnection: close\r\n")) << c.name << ": " << r.out;
    EXPECT_FALSE(contains(r.out, "small response")) << c.name << ": " << r.out;
    EXPECT_EQ(count_of(r.out, "HTTP/1.1 "), 1u) << c.name << ": " << r.out;
  }
  // Well-formed pipelined requests through the same tool are all answered, in order.
  Outcome ok = run(
      {"/usr/bin/socat", "-t", "10", "STDIO", "TCP4:127.0.0.1:" + std::to_string(f.server->port())},
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\none\r\n0\r\n\r\n" +
          hidden + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(count_of(ok.out, "HTTP/1.1 200 OK\r\n"), 3u) << ok.out;
  std::size_t one = ok.out.find("\r\n\r\none");
  std::size_t small = ok.out.find("small response\n");
  std::size_t two = ok.out.find("\r\n\r\ntwo");
  EXPECT_TRUE(one < small && small < two && two != std::string::npos) << ok.out;
}

TEST(HttpServerInteropTest, CurlReachesTheServerOnAUnixSocket) {
  std::string path = ae::testing::temp_socket_path("http");
  Router r;
  r.get("/where", [](ServerRequest& req, ServerResponse& res) {
    res.send("over " + req.peer_host() + "\n");
  });
  Result<Server> server = Server::listen("unix/", path, std::move(r));
  ASSERT_TRUE(server) << server.message();
  Outcome got =
      run({"/usr/bin/curl", "-sS", "--unix-socket", path, "http://x/where", "http://x/where"});
  EXPECT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(got.out, "over unix/\nover unix/\n");
}

TEST(HttpServerInteropTest, NginxProxiesToAeAndFastCgiWithKeptConnections) {
  Fixture f;
  int fcgi_requests = 0;
  Result<http::fcgi::Server> app =
      http::fcgi::Server::listen("127.0.0.1", "0", {.on_request = [&](http::fcgi::Request& r) {
                                   ++fcgi_requests;
                                   r.send("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
                                   r.send("fcgi " + std::string(r.param("DOCUMENT_URI")) + " " +
                                          std::to_string(r.body().size()) + "\n");
                                   r.done();
                                 }});
  ASSERT_TRUE(app) << app.message();
  std::string upstreams =
      "  upstream ae { server 127.0.0.1:" + std::to_string(f.server->port()) +
      "; keepalive 4; }\n  upstream fcgi { server 127.0.0.1:" + std::to_string(app->port()) +
      "; keepalive 4; }\n";
  Nginx nginx("front", 1, [&](const Nginx::Ports& p, const std::string&) {
    return upstreams + "  server {\n    listen 127.0.0.1:" + std::to_string(p[0]) +
           ";\n    location /app/ {\n      include /etc/nginx/fastcgi_params;\n"
           "      fastcgi_param DOCUMENT_URI $document_uri;\n"
           "      fastcgi_pass fcgi;\n      fastcgi_keep_conn on;\n    }\n"
           "    location / {\n      proxy_pass http://ae;\n"
           "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n"
           "    }\n  }\n";
  });
  nginx.start();
  std::string base = nginx.url("");
  std::string dir = nginx.dir();

  for (int i = 0; i < 5; ++i) {
    Outcome r = run({"/usr/bin/curl", "-sS", base + "/small"});
    EXPECT_EQ(r.out, "small response\n") << r.err << read_file(dir + "/error.log");
    Outcome a = run({"/usr/bin/curl", "-sS", "--data-binary", "posted", base + "/app/x"});
    EXPECT_EQ(a.out, "fcgi /app/x 6\n") << a.err << read_file(dir + "/error.log");
  }
  Outcome file = run({"/usr/bin/curl", "-sS", base + "/big.bin"});
  EXPECT_TRUE(file.out == f.big) << file.err;
  // nginx kept its upstream connections: one to ae's HTTP server, one to the FastCGI app.
  EXPECT_EQ(f.peers.size(), 1u);
  EXPECT_EQ(fcgi_requests, 5);
  EXPECT_EQ(app->connections(), 1u);
}

TEST(HttpServerInteropTest, CgiFcgiAndNginxReachTheFcgiHelloExample) {
  std::unique_ptr<Process> hello =
      Process::start_server("fcgi_hello", {"--listen", "127.0.0.1:0", "--delay", "0.01"});
  Outcome r = run({"/usr/bin/env", "-i", "REQUEST_METHOD=GET", "REQUEST_URI=/hi?x=1",
                   "QUERY_STRING=x=1", "/usr/bin/cgi-fcgi", "-bind", "-connect", hello->address()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "hello from ae\nmethod: GET\nuri: /hi?x=1\nquery: x=1\n")) << r.out;
  Outcome fail = run({"/usr/bin/env", "-i", "REQUEST_METHOD=GET", "QUERY_STRING=fail",
                      "/usr/bin/cgi-fcgi", "-bind", "-connect", hello->address()});
  EXPECT_TRUE(fail.out.starts_with("Status: 500")) << fail.out;

  // nginx in front, keeping its connection to the application between requests.
  Nginx nginx("hello", 1, [&](const Nginx::Ports& p, const std::string&) {
    return "  upstream hello { server " + hello->address() +
           "; keepalive 2; }\n  server {\n    listen 127.0.0.1:" + std::to_string(p[0]) +
           ";\n    location / {\n      include /etc/nginx/fastcgi_params;\n"
           "      fastcgi_pass hello;\n      fastcgi_keep_conn on;\n    }\n  }\n";
  });
  nginx.start();
  for (int i = 0; i < 3; ++i) {
    Outcome page = run({"/usr/bin/curl", "-sS", "--data-binary", "abc", nginx.url("/page?n=1")});
    EXPECT_EQ(page.out, "hello from ae\nmethod: POST\nuri: /page?n=1\nquery: n=1\nbody: 3 bytes\n")
        << page.err << read_file(nginx.dir() + "/error.log");
  }
  Outcome failed = run(
      {"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", nginx.url("/page?fail")});
  EXPECT_EQ(failed.out, "500");
}

}  // namespace
}  // namespace ae::http_test
