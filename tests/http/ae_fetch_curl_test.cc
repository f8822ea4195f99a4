// ae-fetch beside curl on the same nginx: the same arguments must give byte-identical output
// and the same exit status.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "core/loop.h"
#include "tests/http/support/gzip.h"
#include "tests/http/support/nginx.h"
#include "tests/support/black_hole.h"
#include "tests/support/files.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/tls/support/pki.h"

namespace ae::http {
namespace {

using http_test::Nginx;
using testing::Outcome;
using testing::read_file;
using testing::run;
using testing::write_file;

std::string ae_fetch() { return testing::runfile("examples/ae_fetch/ae-fetch"); }

// The Date field differs between two requests made a second apart; nothing else may. (The text
// is our own test output, not a peer's, so a regex is fine here.)
std::string without_date(const std::string& text) {
  return std::regex_replace(text, std::regex("\r\nDate: [^\r]*\r\n"), "\r\nDate: -\r\n");
}

class AeFetchCurlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const testing::Pki& pki = testing::pki();
    nginx_ =
        std::make_unique<Nginx>("ae-fetch", 2, [&](const Nginx::Ports& p, const std::string& dir) {
          std::string common =
              "    root " + dir + "/html;\n" +
              "    location /gz/ { gzip on; gzip_min_length 1; gzip_types *; }\n"
              "    location /static/ { gzip_static always; }\n"
              "    location = /echo { echo_read_request_body; echo_request_body; }\n"
              "    location = /rel { absolute_redirect off; return 302 index.html; }\n"
              "    location = /loop { return 302 /loop; }\n"
              "    location /slow/ { limit_rate 200k; }\n";
          return "  server {\n    listen 127.0.0.1:" + std::to_string(p[0]) + ";\n" + common +
                 "  }\n  server {\n    listen 127.0.0.1:" + std::to_string(p[1]) +
                 " ssl;\n    ssl_certificate " + pki.server.cert_file +
                 ";\n    ssl_certificate_key " + pki.server.key_file + ";\n" + common + "  }\n";
        });
    std::string html = nginx_->html();
    ::mkdir((html + "/gz").c_str(), 0755);
    ::mkdir((html + "/static").c_str(), 0755);
    ::mkdir((html + "/slow").c_str(), 0755);
    write_file(html + "/index.html", "<h1>hello from nginx</h1>\n");
    std::mt19937 rng(5);
    std::string big(1 << 20, '\0');
    for (char& c : big) c = static_cast<char>(rng());
    write_file(html + "/big.bin", big);
    std::string text;
    for (int i = 0; i < 5000; ++i) text += "row " + std::to_string(i) + "\n";
    write_file(html + "/gz/rows.txt", text);
    write_file(html + "/static/rows.txt", "plain");
    // gzip_static serves this file for rows.txt whatever the request says.
    write_file(html + "/static/rows.txt.gz", http_test::gzip(text));
    write_file(nginx_->dir() + "/upload.bin", big.substr(0, 200000));
    write_file(html + "/slow/part.bin", big.substr(0, 300000));
    nginx_->start();
  }

  static void TearDownTestSuite() { nginx_.reset(); }

  // Runs ae-fetch and curl with `args` and expects the same stdout and exit status.
  static Outcome same(std::vector<std::string> args, bool ignore_date = false) {
    return same_as(args, args, ignore_date);
  }
  static Outcome same_as(std::vector<std::string> ours, std::vector<std::string> curls,
                         bool ignore_date = false) {
    ours.insert(ours.begin(), ae_fetch());
    curls.insert(curls.begin(), "/usr/bin/curl");
    Outcome a = run(ours);
    Outcome c = run(curls);
    EXPECT_EQ(a.exit_code, c.exit_code) << "ae-fetch: " << a.err << "\ncurl: " << c.err;
    std::string ao = ignore_date ? without_date(a.out) : a.out;
    std::string co = ignore_date ? without_date(c.out) : c.out;
    EXPECT_EQ(ao.size(), co.size());
    EXPECT_TRUE(ao == co) << "ae-fetch:\n"
                          << ao.substr(0, 2000) << "\ncurl:\n"
                          << co.substr(0, 2000);
    return a;
  }

  static std::unique_ptr<Nginx> nginx_;
};

std::unique_ptr<Nginx> AeFetchCurlTest::nginx_;

TEST_F(AeFetchCurlTest, BodiesAreByteIdentical) {
  same({"-s", nginx_->url("/index.html")});
  same({"-s", nginx_->url("/big.bin")});
  same({"-s", nginx_->url("/index.html"), nginx_->url("/big.bin"), nginx_->url("/index.html")});
}

TEST_F(AeFetchCurlTest, CompressedBodiesAreDecodedAsCurlCompressedDoes) {
  same({"-s", "--compressed", nginx_->url("/gz/rows.txt")});
  // Sent gzip-coded without being asked: ae-fetch decodes it as curl --compressed does.
  same_as({"-s", nginx_->url("/static/rows.txt")},
          {"-s", "--compressed", nginx_->url("/static/rows.txt")});
}

TEST_F(AeFetchCurlTest, HeadersWithIncludeAndHead) {
  same({"-si", nginx_->url("/index.html")}, true);
  same({"-sI", nginx_->url("/big.bin")}, true);
  same({"-siL", nginx_->url("/rel")}, true);
}

TEST_F(AeFetchCurlTest, RedirectsAreFollowedWithLocation) {
  same({"-sL", nginx_->url("/rel")});
  same({"-s", nginx_->url("/rel")});  // not followed: the 302's own body
  Outcome loop = same({"-sL", "--max-redirs", "3", nginx_->url("/loop")});
  EXPECT_EQ(loop.exit_code, 47);
}

TEST_F(AeFetchCurlTest, DataIsPostedAsCurlPostsIt) {
  same({"-s", "-d", "a=1", "-d", "b=two words", nginx_->url("/echo")});
  same({"-s", "--data-binary", "@" + nginx_->dir() + "/upload.bin", nginx_->url("/echo")});
  same({"-s", "-X", "PUT", "--data-binary", "raw\nlines\n", nginx_->url("/echo")});
  same({"-s", "-H", "Content-Type: text/plain", "-d", "x", nginx_->url("/echo")});
}

TEST_F(AeFetchCurlTest, FailExitsWith22AndWritesNothing) {
  Outcome r = same({"-sf", nginx_->url("/missing")});
  EXPECT_EQ(r.exit_code, 22);
  EXPECT_EQ(r.out, "");
  same({"-s", nginx_->url("/missing")});  // without -f: nginx's 404 page, exit 0
}

TEST_F(AeFetchCurlTest, OutputFilesHoldTheSameBytes) {
  std::string dir = testing::temp_dir("ae-fetch-output");
  Outcome a = run({ae_fetch(), "-s", "-o", dir + "/ours.bin", nginx_->url("/big.bin")});
  Outcome c = run({"/usr/bin/curl", "-s", "-o", dir + "/curls.bin", nginx_->url("/big.bin")});
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_TRUE(read_file(dir + "/ours.bin") == read_file(dir + "/curls.bin"));
  EXPECT_EQ(a.out, "");
}

TEST_F(AeFetchCurlTest, ParallelTransfersGiveTheSameOutputInOrder) {
  std::vector<std::string> urls;
  for (int i = 0; i < 8; ++i) urls.push_back(nginx_->url("/index.html?n=" + std::to_string(i)));
  std::vector<std::string> ours = {"-s", "-Z"};
  ours.insert(ours.end(), urls.begin(), urls.end());
  std::vector<std::string> curls = {"-s"};
  curls.insert(curls.end(), urls.begin(), urls.end());
  same_as(ours, curls);
}

TEST_F(AeFetchCurlTest, HttpsWithTheTestCaOrInsecure) {
  std::string url = "https://localhost:" + std::to_string(nginx_->port(1)) + "/index.html";
  same({"-s", "--cacert", testing::pki().ca.cert_file, url});
  same({"-sk", url});
  Outcome untrusted = same({"-s", url});
  EXPECT_EQ(untrusted.exit_code, 60);
}

TEST_F(AeFetchCurlTest, FailuresExitLikeCurl) {
  testing::RefusingPort closed;
  Outcome refused = same({"-s", "http://" + closed.hostport() + "/"});
  EXPECT_EQ(refused.exit_code, 7);
  testing::BlackHole hole;
  Outcome timeout = same({"-s", "--connect-timeout", "0.3", "http://" + hole.hostport() + "/"});
  EXPECT_EQ(timeout.exit_code, 28);
  Outcome bad = same({"-s", "http://[::1/"});
  EXPECT_EQ(bad.exit_code, 3);
  Outcome scheme = same({"-s", "nosuch://127.0.0.1/"});
  EXPECT_EQ(scheme.exit_code, 1);
}

TEST_F(AeFetchCurlTest, TlsAndResolverFailuresExitLikeCurl) {
  // TLS to nginx's plain port: the handshake fails on its plain-text answer (35).
  Outcome tls = same({"-s", "https://127.0.0.1:" + std::to_string(nginx_->port(0)) + "/"});
  EXPECT_EQ(tls.exit_code, 35) << tls.err;
  // In the test's own network namespace the configured name servers are unreachable, so the
  // lookup fails on this machine (6); outside one it would ask them, so it is not made.
  if (!testing::network_isolated()) GTEST_SKIP() << "no private network namespace here";
  Outcome name = same({"-s", "http://no-such-host.invalid/"});
  EXPECT_EQ(name.exit_code, 6) << name.err;
}

TEST_F(AeFetchCurlTest, AProgressBarIsDrawnOnATerminalOnly) {
  // script(1) gives ae-fetch a terminal for stdout and stderr; the body goes to a file. At
  // 200 KB/s the 300 KB transfer outlasts several of the bar's 0.1 s redraws.
  std::string dir = testing::temp_dir("progress");
  auto on_terminal = [&](const std::string& flags, const std::string& file) {
    return run(
        {"/usr/bin/script", "-qec",
         ae_fetch() + " " + flags + " -o " + dir + "/" + file + " " + nginx_->url("/slow/part.bin"),
         "/dev/null"});
  };
  Outcome bar = on_terminal("", "bar.bin");
  EXPECT_EQ(bar.exit_code, 0) << bar.out;
  EXPECT_NE(bar.out.find("\rpart.bin"), std::string::npos) << bar.out;
  EXPECT_NE(bar.out.find("/300000"), std::string::npos) << bar.out;
  EXPECT_NE(bar.out.find("%"), std::string::npos) << bar.out;
  EXPECT_TRUE(read_file(dir + "/bar.bin") == read_file(nginx_->html() + "/slow/part.bin"));
  // -s: no bar even on a terminal.
  Outcome silent = on_terminal("-s", "silent.bin");
  EXPECT_EQ(silent.exit_code, 0) << silent.out;
  EXPECT_EQ(silent.out, "");
  EXPECT_TRUE(read_file(dir + "/silent.bin") == read_file(nginx_->html() + "/slow/part.bin"));
}

TEST_F(AeFetchCurlTest, VerboseShowsTheRequestAndResponseHeaders) {
  Outcome r = run({ae_fetch(), "-sv", nginx_->url("/index.html")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("> GET /index.html HTTP/1.1\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("< HTTP/1.1 200 OK\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("< Content-Length: 26\n"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "<h1>hello from nginx</h1>\n");
}

TEST_F(AeFetchCurlTest, ErrorsAreReportedUnlessSilent) {
  testing::RefusingPort closed;
  std::string url = "http://" + closed.hostport() + "/";
  Outcome loud = run({ae_fetch(), url});
  EXPECT_NE(loud.err.find("ae-fetch: (7) "), std::string::npos) << loud.err;
  EXPECT_EQ(run({ae_fetch(), "-s", url}).err, "");
  EXPECT_NE(run({ae_fetch(), "-sS", url}).err.find("(7)"), std::string::npos);
  // Not a terminal: no progress bar anywhere.
  Outcome quiet = run({ae_fetch(), "-o", testing::temp_dir("p") + "/x", nginx_->url("/big.bin")});
  EXPECT_EQ(quiet.err, "");
}

}  // namespace
}  // namespace ae::http
