// The client against a real nginx on loopback: files small and large, gzip on the fly and
// gzip_static, chunked bodies (SSI and the echo module), redirects, basic auth, keep-alive
// (counted in nginx's own log), rate-limited bodies and the idle timeout, uploads.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>

#include "core/loop.h"
#include "http/client.h"
#include "tests/http/support/fetch.h"
#include "tests/http/support/gzip.h"
#include "tests/http/support/nginx.h"
#include "tests/support/files.h"
#include "tests/support/run_until.h"

namespace ae::http {
namespace {

using http_test::fetch_now;
using http_test::gzip;
using http_test::Nginx;
using http_test::Outcome;
using testing::write_file;

bool have_ipv6_loopback() {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

class ClientNginxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ipv6_ = have_ipv6_loopback();
    nginx_ = std::make_unique<
        Nginx>("client", 1, [](const Nginx::Ports& p, const std::string& dir) {
      std::string port = std::to_string(p[0]);
      std::string listen = "    listen 127.0.0.1:" + port + ";\n";
      if (ipv6_) listen += "    listen [::1]:" + port + ";\n";
      return "  server {\n" + listen + "    root " + dir +
             "/html;\n"
             "    keepalive_requests 1000;\n"
             "    location /text/ { gzip on; gzip_min_length 1; gzip_types text/plain; }\n"
             "    location /static/ { gzip_static always; }\n"
             "    location /ssi/ { ssi on; }\n"
             "    location = /chunked { echo_flush; echo 'first'; echo_flush; echo_sleep 0.05;\n"
             "                          echo 'second'; }\n"
             "    location = /echo { echo_read_request_body; echo_request_body; }\n"
             "    location = /rel { absolute_redirect off; return 302 text/hello.txt; }\n"
             "    location = /abs { return 301 http://127.0.0.1:" +
             port +
             "/text/hello.txt; }\n"
             "    location = /loop { return 302 /loop; }\n"
             "    location /private/ { auth_basic \"ae\"; auth_basic_user_file " +
             dir +
             "/htpasswd; }\n"
             "    location /slow/ { limit_rate 100k; }\n"
             "    location /crawl/ { limit_rate 1; limit_rate_after 1000; }\n"
             "  }\n";
    });
    std::string html = nginx_->html();
    for (const char* d : {"/text", "/static", "/ssi", "/private", "/slow", "/crawl"}) {
      ::mkdir((html + d).c_str(), 0755);
    }
    write_file(html + "/index.html", "<h1>hello from nginx</h1>\n");
    text_.clear();
    for (int i = 0; i < 20000; ++i) text_ += "line " + std::to_string(i) + " of some text\n";
    write_file(html + "/text/hello.txt", text_);
    write_file(html + "/static/page.txt", "the plain version\n");
    write_file(html + "/static/page.txt.gz", gzip(text_));
    write_file(html + "/ssi/page.html",
               "<p>head</p><!--# include virtual=\"/index.html\" --><p>tail</p>\n");
    write_file(html + "/private/secret.txt", "only for alice\n");
    write_file(nginx_->dir() + "/htpasswd", "alice:{PLAIN}wonderland\n");
    std::mt19937 rng(11);
    big_.resize(5 << 20);
    for (char& c : big_) c = static_cast<char>(rng());
    write_file(html + "/big.bin", big_);
    write_file(html + "/slow/quarter.bin", big_.substr(0, 250000));
    write_file(html + "/crawl/never.bin", big_.substr(0, 100000));
    nginx_->start();
  }

  static void TearDownTestSuite() { nginx_.reset(); }

  void SetUp() override { set_pool_options({}); }
  void TearDown() override { close_idle_connections(); }

  static std::unique_ptr<Nginx> nginx_;
  static std::string text_;
  static std::string big_;
  static bool ipv6_;
};

std::unique_ptr<Nginx> ClientNginxTest::nginx_;
std::string ClientNginxTest::text_;
std::string ClientNginxTest::big_;
bool ClientNginxTest::ipv6_ = false;

TEST_F(ClientNginxTest, ASmallFileArrivesWithNginxsHeaders) {
  Outcome r = fetch_now("GET", nginx_->url("/index.html"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.hdr.reason, "OK");
  EXPECT_TRUE(r.hdr.headers.value("Server").starts_with("nginx/"));
  EXPECT_EQ(r.hdr.headers.value("Content-Length"), "26");
  EXPECT_EQ(r.body, "<h1>hello from nginx</h1>\n");
}

TEST_F(ClientNginxTest, SeveralMegabytesArriveByteForByte) {
  Outcome r = fetch_now("GET", nginx_->url("/big.bin"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body.size(), big_.size());
  EXPECT_TRUE(r.body == big_) << "the body differs from the file nginx served";
}

TEST_F(ClientNginxTest, GzipOnTheFlyIsDecoded) {
  Outcome r = fetch_now("GET", nginx_->url("/text/hello.txt"));
  EXPECT_EQ(r.hdr.headers.value("Content-Encoding"), "gzip");
  EXPECT_EQ(r.hdr.headers.value("Transfer-Encoding"), "chunked");
  EXPECT_TRUE(r.body == text_) << r.body.size() << " bytes";
  Options raw;
  raw.decompress = false;
  Outcome coded = fetch_now("GET", nginx_->url("/text/hello.txt"), std::move(raw));
  EXPECT_FALSE(coded.hdr.headers.contains("Content-Encoding"));  // not asked for: not sent
  EXPECT_TRUE(coded.body == text_);
}

TEST_F(ClientNginxTest, GzipStaticAlwaysIsDecodedEvenUnasked) {
  Options o;
  o.headers.add("Accept-Encoding", "");
  Outcome r = fetch_now("GET", nginx_->url("/static/page.txt"), std::move(o));
  EXPECT_EQ(r.hdr.headers.value("Content-Encoding"), "gzip");
  EXPECT_TRUE(r.body == text_) << r.body.size() << " bytes";
}

TEST_F(ClientNginxTest, ChunkedBodiesFromSsiAndTheEchoModuleAreJoined) {
  Outcome ssi = fetch_now("GET", nginx_->url("/ssi/page.html"));
  EXPECT_EQ(ssi.hdr.headers.value("Transfer-Encoding"), "chunked");
  EXPECT_EQ(ssi.body, "<p>head</p><h1>hello from nginx</h1>\n<p>tail</p>\n");
  int pieces = 0;
  std::string streamed;
  Options o;
  o.on_body = [&](std::string_view piece, const Response&) {
    ++pieces;
    streamed += piece;
    return true;
  };
  Outcome echo = fetch_now("GET", nginx_->url("/chunked"), std::move(o));
  EXPECT_EQ(echo.hdr.status, 200);
  EXPECT_EQ(streamed, "first\nsecond\n");
  EXPECT_GE(pieces, 2);  // the pieces came as nginx flushed them
}

TEST_F(ClientNginxTest, RelativeAndAbsoluteRedirectsAreFollowed) {
  Outcome rel = fetch_now("GET", nginx_->url("/rel"));
  EXPECT_EQ(rel.hdr.status, 200);
  EXPECT_EQ(rel.hdr.url, nginx_->url("/text/hello.txt"));
  ASSERT_TRUE(rel.hdr.redirect);
  EXPECT_EQ(rel.hdr.redirect->response.headers.value("Location"), "text/hello.txt");
  Outcome abs = fetch_now("GET", nginx_->url("/abs"));
  EXPECT_EQ(abs.hdr.status, 200);
  EXPECT_EQ(abs.hdr.redirect->response.status, 301);
  EXPECT_TRUE(abs.body == text_);
}

TEST_F(ClientNginxTest, ARedirectLoopEndsWith599) {
  Outcome r = fetch_now("GET", nginx_->url("/loop"), {.recurse = 5});
  EXPECT_EQ(r.hdr.status, kStatusOtherError);
  EXPECT_EQ(r.hdr.error, Error::kTooManyRedirects);
}

TEST_F(ClientNginxTest, BasicAuthFromTheUrl) {
  EXPECT_EQ(fetch_now("GET", nginx_->url("/private/secret.txt")).hdr.status, 401);
  std::string url =
      "http://alice:wonderland@127.0.0.1:" + std::to_string(nginx_->port()) + "/private/secret.txt";
  Outcome r = fetch_now("GET", url);
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body, "only for alice\n");
  std::string wrong =
      "http://alice:rabbit@127.0.0.1:" + std::to_string(nginx_->port()) + "/private/secret.txt";
  EXPECT_EQ(fetch_now("GET", wrong).hdr.status, 401);
}

TEST_F(ClientNginxTest, SequentialRequestsShareOneConnectionInNginxsLog) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(
        fetch_now("GET", nginx_->url("/index.html?keepalive=" + std::to_string(i))).hdr.status,
        200);
  }
  ASSERT_TRUE(nginx_->wait_for_access_log("keepalive=", 5)) << nginx_->access_log();
  std::vector<std::string> conns = nginx_->connections_of("keepalive=");
  ASSERT_EQ(conns.size(), 5u) << nginx_->access_log();
  EXPECT_EQ(std::set<std::string>(conns.begin(), conns.end()).size(), 1u) << nginx_->access_log();
}

TEST_F(ClientNginxTest, ParallelRequestsUseAtMostThePoolsConnections) {
  set_pool_options({.max_per_host = 3, .max_total = 64, .idle_timeout = 3});
  int done = 0;
  std::vector<Request> rs;
  for (int i = 0; i < 30; ++i) {
    rs.push_back(http_get(nginx_->url("/index.html?parallel=" + std::to_string(i)), {},
                          [&](std::string body, Response hdr) {
                            EXPECT_EQ(hdr.status, 200);
                            EXPECT_EQ(body.size(), 26u);
                            ++done;
                          }));
  }
  ASSERT_TRUE(testing::run_until([&] { return done == 30; }));
  ASSERT_TRUE(nginx_->wait_for_access_log("parallel=", 30)) << nginx_->access_log();
  std::vector<std::string> conns = nginx_->connections_of("parallel=");
  ASSERT_EQ(conns.size(), 30u);
  EXPECT_LE(std::set<std::string>(conns.begin(), conns.end()).size(), 3u);
}

TEST_F(ClientNginxTest, ARateLimitedBodyArrivesSlowlyButWhole) {
  Outcome r = fetch_now("GET", nginx_->url("/slow/quarter.bin"), {.idle_timeout = 5});
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_TRUE(r.body == big_.substr(0, 250000));
}

TEST_F(ClientNginxTest, ABodyThatCrawlsHitsTheIdleTimeout) {
  Outcome r = fetch_now("GET", nginx_->url("/crawl/never.bin"), {.idle_timeout = 0.5});
  EXPECT_EQ(r.hdr.status, kStatusBodyError);
  EXPECT_EQ(r.hdr.error, std::errc::timed_out);
  EXPECT_EQ(r.hdr.orig_status, 200);
}

TEST_F(ClientNginxTest, HeadGivesTheHeaderOnly) {
  Outcome r = fetch_now("HEAD", nginx_->url("/big.bin"));
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.hdr.headers.value("Content-Length"), std::to_string(big_.size()));
  EXPECT_EQ(r.body, "");
}

TEST_F(ClientNginxTest, UploadsComeBackFromTheEchoModule) {
  Outcome plain = fetch_now("POST", nginx_->url("/echo"), {.body = "posted body"});
  EXPECT_EQ(plain.body, "posted body");
  // A streamed body goes out chunked; nginx decodes it.
  std::string sent;
  int n = 0;
  Options o;
  o.body_producer = [&](BodyWriter w) {
    if (n == 40) return w.end();
    std::string piece = "piece " + std::to_string(n++) + "\n";
    sent += piece;
    w.write(piece);
  };
  Outcome streamed = fetch_now("POST", nginx_->url("/echo"), std::move(o));
  EXPECT_EQ(streamed.hdr.status, 200);
  EXPECT_EQ(streamed.body, sent);
  // And 100-continue: nginx answers it, then takes the body.
  Options e;
  e.body = "continued";
  e.expect_continue = true;
  e.expect_timeout = 30;
  Outcome cont = fetch_now("PUT", nginx_->url("/echo"), std::move(e));
  EXPECT_EQ(cont.body, "continued");
}

TEST_F(ClientNginxTest, Ipv6LiteralsWork) {
  if (!ipv6_) GTEST_SKIP() << "no IPv6 loopback on this machine";
  Outcome r = fetch_now("GET", "http://[::1]:" + std::to_string(nginx_->port()) + "/index.html");
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body, "<h1>hello from nginx</h1>\n");
}

}  // namespace
}  // namespace ae::http
