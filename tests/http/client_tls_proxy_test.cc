// The client over TLS and through a proxy, against real peers on loopback: nginx serving HTTPS
// with certificates from a test CA (the right one, one for a wrong host name, one from a CA
// nobody trusts), and tinyproxy as an HTTP proxy with CONNECT tunnels.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/loop.h"
#include "http/client.h"
#include "tests/http/support/fetch.h"
#include "tests/http/support/nginx.h"
#include "tests/support/files.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/run_until.h"
#include "tests/tls/support/pki.h"
#include "tls/error.h"

namespace ae::http {
namespace {

using http_test::fetch_now;
using http_test::Nginx;
using http_test::Outcome;
using testing::read_file;
using testing::write_file;

tls::Context trusting_test_ca() {
  return tls::Context::create({.ca_file = testing::pki().ca.cert_file}).value();
}

std::string ssl_server(std::uint16_t port, const testing::Issued& cert, const std::string& dir) {
  return "  server {\n    listen 127.0.0.1:" + std::to_string(port) +
         " ssl;\n"
         "    ssl_certificate " +
         cert.cert_file + ";\n    ssl_certificate_key " + cert.key_file + ";\n    root " + dir +
         "/html;\n  }\n";
}

class ClientTlsProxyTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kHttp = 0, kHttps = 1, kWrongName = 2, kUntrusted = 3;

  static void SetUpTestSuite() {
    const testing::Pki& pki = testing::pki();
    nginx_ = std::make_unique<Nginx>("tls", 4, [&](const Nginx::Ports& p, const std::string& dir) {
      return "  server {\n    listen 127.0.0.1:" + std::to_string(p[kHttp]) + ";\n    root " + dir +
             "/html;\n  }\n" + ssl_server(p[kHttps], pki.server, dir) +
             ssl_server(p[kWrongName], pki.wrong_name, dir) +
             ssl_server(p[kUntrusted], pki.untrusted, dir);
    });
    write_file(nginx_->html() + "/index.html", "secret page\n");
    nginx_->start();

    // tinyproxy allows CONNECT only to the good HTTPS port: a tunnel anywhere else is refused.
    proxy_dir_ = testing::temp_dir("tinyproxy");
    auto command = [](std::uint16_t port) {
      write_file(proxy_dir_ + "/tinyproxy.conf", "Port " + std::to_string(port) +
                                                     "\n"
                                                     "Listen 127.0.0.1\n"
                                                     "Timeout 60\n"
                                                     "LogFile \"" +
                                                     proxy_dir_ +
                                                     "/tinyproxy.log\"\n"
                                                     "LogLevel Info\n"
                                                     "MaxClients 50\n"
                                                     "Allow 127.0.0.1\n"
                                                     "ConnectPort " +
                                                     std::to_string(nginx_->port(kHttps)) + "\n");
      return std::vector<std::string>{"/usr/bin/tinyproxy", "-d", "-c",
                                      proxy_dir_ + "/tinyproxy.conf"};
    };
    testing::PortServer s = testing::start_on_free_port(command);
    tinyproxy_ = std::move(s.process);
    proxy_port_ = s.port;
  }

  static void TearDownTestSuite() {
    if (tinyproxy_) tinyproxy_->stop(SIGTERM);
    tinyproxy_.reset();
    nginx_.reset();
  }

  void SetUp() override { set_pool_options({}); }
  void TearDown() override { close_idle_connections(); }

  static std::string https(std::size_t which, std::string_view host = "127.0.0.1") {
    return "https://" + std::string(host) + ":" + std::to_string(nginx_->port(which)) +
           "/index.html";
  }
  static std::string proxy() { return "http://127.0.0.1:" + std::to_string(proxy_port_); }
  // tinyproxy, like nginx, may log a request after the client has its answer.
  static bool proxy_log_has(const std::string& text) {
    return testing::run_until_file(proxy_dir_ + "/tinyproxy.log", [&](const std::string& log) {
      return log.find(text) != std::string::npos;
    });
  }

  static std::unique_ptr<Nginx> nginx_;
  static std::unique_ptr<testing::Process> tinyproxy_;
  static std::string proxy_dir_;
  static std::uint16_t proxy_port_;
};

std::unique_ptr<Nginx> ClientTlsProxyTest::nginx_;
std::unique_ptr<testing::Process> ClientTlsProxyTest::tinyproxy_;
std::string ClientTlsProxyTest::proxy_dir_;
std::uint16_t ClientTlsProxyTest::proxy_port_ = 0;

TEST_F(ClientTlsProxyTest, HttpsWithTheTestCaWorksForAnAddressAndAName) {
  Outcome by_ip = fetch_now("GET", https(kHttps), {.tls = trusting_test_ca()});
  EXPECT_EQ(by_ip.hdr.status, 200) << by_ip.hdr.reason;
  EXPECT_EQ(by_ip.body, "secret page\n");
  Outcome by_name = fetch_now("GET", https(kHttps, "localhost"), {.tls = trusting_test_ca()});
  EXPECT_EQ(by_name.hdr.status, 200) << by_name.hdr.reason;
}

TEST_F(ClientTlsProxyTest, HttpsConnectionsAreKeptAliveToo) {
  tls::Context ctx = trusting_test_ca();
  for (int i = 0; i < 3; ++i) {
    Options o;
    o.tls = ctx;
    EXPECT_EQ(fetch_now("GET", https(kHttps) + "?tls-keepalive=" + std::to_string(i), std::move(o))
                  .hdr.status,
              200);
  }
  ASSERT_TRUE(nginx_->wait_for_access_log("tls-keepalive=", 3)) << nginx_->access_log();
  std::vector<std::string> conns = nginx_->connections_of("tls-keepalive=");
  ASSERT_EQ(conns.size(), 3u);
  EXPECT_EQ(conns[0], conns[2]) << nginx_->access_log();
}

TEST_F(ClientTlsProxyTest, TheSystemsCasDoNotTrustTheTestCa) {
  Outcome r = fetch_now("GET", https(kHttps), {});
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, tls::Error::kUnknownCa) << r.hdr.reason;
}

TEST_F(ClientTlsProxyTest, AWrongHostNameFailsWith595AndSaysSo) {
  Outcome r = fetch_now("GET", https(kWrongName), {.tls = trusting_test_ca()});
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, tls::Error::kNameMismatch) << r.hdr.reason;
  EXPECT_NE(r.hdr.reason.find("TLS handshake with 127.0.0.1 failed"), std::string::npos)
      << r.hdr.reason;
}

TEST_F(ClientTlsProxyTest, AnUntrustedCaFailsWith595AndSaysSo) {
  Outcome r = fetch_now("GET", https(kUntrusted), {.tls = trusting_test_ca()});
  EXPECT_EQ(r.hdr.status, kStatusConnectError);
  EXPECT_EQ(r.hdr.error, tls::Error::kUnknownCa) << r.hdr.reason;
  EXPECT_NE(r.hdr.reason.find("certificate"), std::string::npos) << r.hdr.reason;
}

TEST_F(ClientTlsProxyTest, VerificationOffIsExplicitAndThenAnythingGoes) {
  tls::Context insecure =
      tls::Context::create({.verify = false, .verify_peername = "none"}).value();
  Outcome r = fetch_now("GET", https(kWrongName), {.tls = insecure});
  EXPECT_EQ(r.hdr.status, 200) << r.hdr.reason;
}

TEST_F(ClientTlsProxyTest, PlainHttpGoesThroughTheProxyWithTheAbsoluteUrl) {
  Outcome r = fetch_now("GET", nginx_->url("/index.html?via-proxy"), {.proxy = proxy()});
  EXPECT_EQ(r.hdr.status, 200);
  EXPECT_EQ(r.body, "secret page\n");
  EXPECT_NE(r.hdr.headers.value("Via").find("tinyproxy"), std::string_view::npos);
  EXPECT_TRUE(proxy_log_has("/index.html?via-proxy"));
}

TEST_F(ClientTlsProxyTest, HttpsGoesThroughAConnectTunnel) {
  Outcome r =
      fetch_now("GET", https(kHttps) + "?tunnel", {.proxy = proxy(), .tls = trusting_test_ca()});
  EXPECT_EQ(r.hdr.status, 200) << r.hdr.reason;
  EXPECT_EQ(r.body, "secret page\n");
  EXPECT_FALSE(r.hdr.headers.contains("Via"));  // the proxy only carried TLS bytes
  EXPECT_TRUE(proxy_log_has("CONNECT"));
  EXPECT_TRUE(nginx_->wait_for_access_log("/index.html?tunnel")) << nginx_->access_log();
}

TEST_F(ClientTlsProxyTest, ARefusedTunnelGivesTheProxysOwnStatus) {
  Outcome r = fetch_now("GET", https(kWrongName), {.proxy = proxy(), .tls = trusting_test_ca()});
  EXPECT_EQ(r.hdr.status, 403) << r.hdr.reason;
  EXPECT_EQ(r.hdr.error, Error::kProxyRefused);
}

TEST_F(ClientTlsProxyTest, TheEnvironmentsProxyIsUsedUnlessNoProxyMatches) {
  ::setenv("http_proxy", proxy().c_str(), 1);
  Outcome via = fetch_now("GET", nginx_->url("/index.html?env-proxy"));
  EXPECT_NE(via.hdr.headers.value("Via").find("tinyproxy"), std::string_view::npos);
  ::setenv("no_proxy", "localhost,127.0.0.1", 1);
  Outcome direct = fetch_now("GET", nginx_->url("/index.html?no-proxy"));
  EXPECT_FALSE(direct.hdr.headers.contains("Via"));
  ::unsetenv("no_proxy");
  ::unsetenv("http_proxy");
  EXPECT_EQ(via.hdr.status, 200);
  EXPECT_EQ(direct.hdr.status, 200);
}

}  // namespace
}  // namespace ae::http
