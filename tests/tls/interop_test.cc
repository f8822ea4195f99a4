// ae's TLS against OpenSSL's own tools on loopback: ae clients talking to `openssl s_server`,
// `openssl s_client` talking to ae servers. Certificates come from the test PKI.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "tests/tls/support/contexts.h"
#include "tests/tls/support/handle_support.h"
#include "tests/tls/support/tls_test_util.h"
#include "tls/tls.h"

namespace ae::testing {
namespace {

class InteropTest : public LoopTest {};

std::vector<std::string> cert_args(const Issued& cert) {
  return {"-cert", cert.cert_file, "-key", cert.key_file};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// An ae client Handle to s_server on `port`, sending "hello\n" and waiting for s_server -rev's
// answer ("olleh"), or for an error.
struct RevClient {
  RevClient(int port, tls::Context ctx, std::string peername = "localhost") {
    h = std::make_unique<Handle>(
        "127.0.0.1", std::to_string(port),
        record(e, {.peername = std::move(peername), .tls = tls::connect(std::move(ctx))}));
    record_starttls(e, *h);
    h->push_write("hello\n");
    h->push_read(line, [this](Handle&, std::string l, std::string) { reply = l; });
  }
  bool wait() {
    return run_until(
        [this] { return !reply.empty() || e.errors > 0 || (e.starttls && !e.starttls_ok); });
  }
  tls::Filter* filter() { return tls::Filter::of(h->filter()); }
  Events e;
  std::string reply;
  std::unique_ptr<Handle> h;
};

TEST_P(InteropTest, AeClientTalksToSServerOverTls13) {
  OpensslServer server(cert_args(pki().server) + std::vector<std::string>{"-rev", "-tls1_3"});
  RevClient c(server.port(), client_context());
  ASSERT_TRUE(c.wait());
  ASSERT_EQ(c.reply, "olleh") << c.e.error_message << c.e.starttls_message;
  EXPECT_EQ(c.filter()->version(), "TLSv1.3");
  EXPECT_TRUE(c.e.starttls_ok);
}

TEST_P(InteropTest, AeClientTalksToSServerOverTls12) {
  OpensslServer server(cert_args(pki().server) + std::vector<std::string>{"-rev", "-tls1_2"});
  RevClient c(server.port(), client_context());
  ASSERT_TRUE(c.wait());
  ASSERT_EQ(c.reply, "olleh") << c.e.error_message << c.e.starttls_message;
  EXPECT_EQ(c.filter()->version(), "TLSv1.2");
}

TEST_P(InteropTest, AeClientRefusesSServersBadCertificates) {
  struct Case {
    const Issued* cert;
    tls::Error expected;
  };
  for (const Case& k : {Case{&pki().expired, tls::Error::kCertificateExpired},
                        Case{&pki().untrusted, tls::Error::kUnknownCa},
                        Case{&pki().self_signed, tls::Error::kUnknownCa},
                        Case{&pki().wrong_name, tls::Error::kNameMismatch},
                        Case{&pki().not_yet_valid, tls::Error::kCertificateNotYetValid}}) {
    OpensslServer server(cert_args(*k.cert) + std::vector<std::string>{"-rev"});
    RevClient c(server.port(), client_context());
    ASSERT_TRUE(c.wait()) << k.cert->cert_file;
    EXPECT_EQ(c.reply, "");
    EXPECT_FALSE(c.e.starttls_ok);
    EXPECT_EQ(c.e.starttls_ec, k.expected) << k.cert->cert_file << ": " << c.e.starttls_message;
    EXPECT_NE(c.e.starttls_message.find("certificate verify failed"), std::string::npos);
  }
}

TEST_P(InteropTest, AeClientPresentsItsCertificateToSServer) {
  OpensslServer server(cert_args(pki().server) +
                       std::vector<std::string>{"-rev", "-Verify", "2", "-CAfile",
                                                pki().ca.cert_file, "-verify_return_error"});
  tls::Context with_cert = make_context({.ca_file = pki().ca.cert_file,
                                         .cert_file = pki().client.cert_file,
                                         .key_file = pki().client.key_file});
  {
    RevClient c(server.port(), with_cert);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.reply, "olleh") << c.e.error_message;
  }  // s_server serves one connection at a time: this one ends here

  RevClient anonymous(server.port(), client_context());
  ASSERT_TRUE(anonymous.wait());
  EXPECT_EQ(anonymous.reply, "");
  EXPECT_EQ(anonymous.e.error, tls::Error::kPeerAlert) << anonymous.e.error_message;
  EXPECT_NE(anonymous.e.error_message.find("certificate required"), std::string::npos)
      << anonymous.e.error_message;
}

TEST_P(InteropTest, AlpnIsAgreedWithSServer) {
  OpensslServer server(cert_args(pki().server) +
                       std::vector<std::string>{"-rev", "-alpn", "h2,http/1.1"});
  RevClient c(server.port(),
              make_context({.ca_file = pki().ca.cert_file, .alpn = {"spdy/1", "http/1.1"}}));
  ASSERT_TRUE(c.wait());
  EXPECT_EQ(c.reply, "olleh") << c.e.error_message;
  EXPECT_EQ(c.filter()->alpn(), "http/1.1");
}

TEST_P(InteropTest, AeClientsServerNameSelectsSServersSecondCertificate) {
  OpensslServer server(cert_args(pki().sni_a) +
                       std::vector<std::string>{"-rev", "-servername", "b.test", "-cert2",
                                                pki().sni_b.cert_file, "-key2",
                                                pki().sni_b.key_file});
  {
    RevClient b(server.port(), client_context(), "b.test");
    ASSERT_TRUE(b.wait());
    EXPECT_EQ(b.reply, "olleh") << b.e.error_message << b.e.starttls_message;
    EXPECT_EQ(b.filter()->peer_certificate().common_name(), "b.test");
  }  // s_server serves one connection at a time: this one ends here
  RevClient a(server.port(), client_context(), "a.test");
  ASSERT_TRUE(a.wait());
  EXPECT_EQ(a.reply, "olleh") << a.e.error_message << a.e.starttls_message;
  EXPECT_EQ(a.filter()->peer_certificate().common_name(), "a.test");
}

// ---- s_client -> ae server -------------------------------------------------------------------

struct AeServer {
  explicit AeServer(tls::Context ctx)
      : server([this, ctx] { return record(e, {.tls = tls::accept(ctx)}); },
               [this](Handle& h) {
                 record_starttls(e, h);
                 h.on_read(echo_lines());
               }) {}
  Events e;
  HandleServer server;
};

TEST_P(InteropTest, SClientTalksToAeServer) {
  AeServer ae(server_context());
  auto client = openssl_client(ae.server.port(),
                               {"-brief", "-CAfile", pki().ca.cert_file, "-verify_return_error",
                                "-servername", "localhost", "-verify_hostname", "localhost"});
  client->write("ping\n");
  ASSERT_TRUE(run_until([&] { return client->out().find("echo: ping\n") != std::string::npos; }))
      << client->err();
  EXPECT_NE(client->err().find("Verification: OK"), std::string::npos) << client->err();
  EXPECT_NE(client->err().find("Protocol version: TLSv1.3"), std::string::npos);
  client->close_stdin();  // s_client sends close_notify and exits
  ASSERT_TRUE(client->wait().has_value());
  ASSERT_TRUE(run_until([&] { return ae.e.eof > 0 || ae.e.errors > 0; }));
  EXPECT_EQ(ae.e.eof, 1) << "a clean close_notify ends the stream: " << ae.e.error_message;
  EXPECT_EQ(ae.e.errors, 0);
}

TEST_P(InteropTest, SClientOverTls12TalksToAeServer) {
  AeServer ae(server_context());
  auto client =
      openssl_client(ae.server.port(), {"-brief", "-tls1_2", "-CAfile", pki().ca.cert_file,
                                        "-verify_return_error", "-servername", "localhost"});
  client->write("ping\n");
  ASSERT_TRUE(run_until([&] { return client->out().find("echo: ping\n") != std::string::npos; }))
      << client->err();
  EXPECT_NE(client->err().find("Protocol version: TLSv1.2"), std::string::npos) << client->err();
}

TEST_P(InteropTest, SClientRefusesAnUntrustedAeServer) {
  AeServer ae(server_context(pki().untrusted));
  auto client = openssl_client(ae.server.port(),
                               {"-brief", "-CAfile", pki().ca.cert_file, "-verify_return_error"});
  ASSERT_TRUE(client->wait().has_value());
  EXPECT_NE(client->err().find("verify error"), std::string::npos) << client->err();
  ASSERT_TRUE(run_until([&] { return ae.e.starttls > 0; }));
  EXPECT_FALSE(ae.e.starttls_ok);
  EXPECT_EQ(ae.e.starttls_ec, tls::Error::kPeerAlert) << ae.e.starttls_message;
  EXPECT_NE(ae.e.starttls_message.find("unknown CA"), std::string::npos) << ae.e.starttls_message;
}

TEST_P(InteropTest, AeServerRequiresSClientsCertificate) {
  AeServer ae(make_context({.verify = true,
                            .verify_require_client_cert = true,
                            .ca_file = pki().ca.cert_file,
                            .cert_file = pki().server.cert_file,
                            .key_file = pki().server.key_file}));
  auto with_cert =
      openssl_client(ae.server.port(), {"-brief", "-CAfile", pki().ca.cert_file, "-cert",
                                        pki().client.cert_file, "-key", pki().client.key_file});
  with_cert->write("mutual\n");
  ASSERT_TRUE(run_until([&] { return with_cert->out().find("echo: mutual") != std::string::npos; }))
      << with_cert->err();
  EXPECT_TRUE(ae.e.starttls_ok);

  auto without = openssl_client(ae.server.port(), {"-brief", "-CAfile", pki().ca.cert_file});
  without->write("anonymous\n");
  ASSERT_TRUE(run_until([&] { return ae.e.starttls == 2; }));
  EXPECT_FALSE(ae.e.starttls_ok);
  EXPECT_EQ(ae.e.starttls_ec, tls::Error::kNoPeerCertificate) << ae.e.starttls_message;
  ASSERT_TRUE(without->wait().has_value());
  EXPECT_EQ(without->out().find("echo: anonymous"), std::string::npos);
}

TEST_P(InteropTest, AeServerAgreesAlpnWithSClient) {
  AeServer ae(make_context({.cert_file = pki().server.cert_file,
                            .key_file = pki().server.key_file,
                            .alpn = {"h2", "http/1.1"}}));
  // (Without -brief: s_client prints the agreed protocol in its full session report.)
  auto client =
      openssl_client(ae.server.port(), {"-CAfile", pki().ca.cert_file, "-alpn", "http/1.1,h2"});
  client->write("x\n");
  ASSERT_TRUE(run_until([&] { return client->out().find("echo: x") != std::string::npos; }))
      << client->err();
  EXPECT_NE(client->out().find("ALPN protocol: h2"), std::string::npos) << client->out();

  // No protocol in common: served without ALPN by default...
  auto none = openssl_client(ae.server.port(), {"-CAfile", pki().ca.cert_file, "-alpn", "smtp"});
  none->write("y\n");
  ASSERT_TRUE(run_until([&] { return none->out().find("echo: y") != std::string::npos; }))
      << none->err();
  EXPECT_NE(none->out().find("No ALPN negotiated"), std::string::npos) << none->out();

  // ...and refused with no_application_protocol when the server requires ALPN.
  AeServer strict(make_context({.cert_file = pki().server.cert_file,
                                .key_file = pki().server.key_file,
                                .alpn = {"h2", "http/1.1"},
                                .alpn_required = true}));
  auto refused = openssl_client(strict.server.port(),
                                {"-brief", "-CAfile", pki().ca.cert_file, "-alpn", "smtp"});
  ASSERT_TRUE(refused->wait().has_value());
  ASSERT_TRUE(run_until([&] { return strict.e.starttls == 1; }));
  EXPECT_EQ(strict.e.starttls_ec, tls::Error::kNoApplicationProtocol) << strict.e.starttls_message;
}

TEST_P(InteropTest, SClientsServerNamePicksTheAeServersCertificate) {
  tls::Context b = server_context(pki().sni_b);
  tls::ContextOptions o{.cert_file = pki().sni_a.cert_file, .key_file = pki().sni_a.key_file};
  o.server_name_cb = [b](std::string_view name) -> std::optional<tls::Context> {
    if (name == "b.test") return b;
    return std::nullopt;
  };
  AeServer ae(make_context(std::move(o)));
  for (std::string name : {"b.test", "a.test"}) {
    auto client = openssl_client(ae.server.port(),
                                 {"-brief", "-CAfile", pki().ca.cert_file, "-verify_return_error",
                                  "-servername", name, "-verify_hostname", name});
    client->write("sni\n");
    ASSERT_TRUE(run_until([&] { return client->out().find("echo: sni") != std::string::npos; }))
        << name << ": " << client->err();
    EXPECT_NE(client->err().find("Peer certificate: O = ae tests, CN = " + name), std::string::npos)
        << client->err();
  }
}

TEST_P(InteropTest, SClientAskingToRenegotiateGetsAClearRefusal) {
  AeServer ae(server_context());
  auto client =
      openssl_client(ae.server.port(), {"-brief", "-tls1_2", "-CAfile", pki().ca.cert_file});
  client->write("before\n");
  ASSERT_TRUE(run_until([&] { return client->out().find("echo: before") != std::string::npos; }))
      << client->err();
  client->write("R\n");  // s_client's renegotiate command
  ASSERT_TRUE(run_until([&] { return ae.e.errors > 0; }));
  EXPECT_TRUE(ae.e.fatal);
  EXPECT_EQ(ae.e.error, tls::Error::kRenegotiation) << ae.e.error_message;
  ASSERT_TRUE(client->wait().has_value());
  EXPECT_NE(client->err().find("RENEGOTIATING"), std::string::npos) << client->err();
}

INSTANTIATE_TEST_SUITE_P(Backends, InteropTest, ::testing::ValuesIn(main_backends()), backend_name);

}  // namespace
}  // namespace ae::testing
