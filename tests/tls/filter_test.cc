// ae::tls::Filter on its own: two filters (client and server) wired back to back in memory, no
// Handle and no sockets. Handshakes, data, close_notify, and every verification outcome.
#include "tls/filter.h"

#include <openssl/ssl.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tests/tls/support/contexts.h"
#include "tests/tls/support/pki.h"
#include "tests/tls/support/wire.h"
#include "tls/error.h"

namespace ae::testing {
namespace {

using tls::Context;
using tls::ContextOptions;
using tls::Error;
using tls::Filter;
using tls::Role;

Context make(ContextOptions o) { return make_context(std::move(o)); }
Context server_ctx(const Issued& cert = pki().server) { return server_context(cert); }
Context client_ctx() { return client_context(); }

TEST(FilterTest, HandshakeThenDataBothWays) {
  Wire w(client_ctx(), server_ctx());
  w.client.send("hello from the client");  // before the handshake: held
  EXPECT_GT(w.client.pending_send(), 0u);
  w.pump();
  ASSERT_TRUE(w.client.established()) << w.client.error_message();
  ASSERT_TRUE(w.server.established()) << w.server.error_message();
  EXPECT_EQ(w.client.pending_send(), 0u);
  EXPECT_EQ(w.server_in.view(), "hello from the client");
  w.server.send("and back");
  w.pump();
  EXPECT_EQ(w.client_in.view(), "and back");
  EXPECT_EQ(w.client.version(), "TLSv1.3");
  EXPECT_EQ(w.client.server_name(), "localhost");
  EXPECT_EQ(w.server.server_name(), "localhost");
  EXPECT_EQ(w.client.peer_certificate().common_name(), "localhost");
  EXPECT_FALSE(w.server.peer_certificate());
}

TEST(FilterTest, Tls12IsNegotiatedWhenItIsTheMaximum) {
  Context c = make({.max_version = tls::Version::kTls1_2, .ca_file = pki().ca.cert_file});
  Wire w(c, server_ctx());
  w.pump();
  ASSERT_TRUE(w.client.established()) << w.client.error_message();
  EXPECT_EQ(w.client.version(), "TLSv1.2");
  EXPECT_EQ(w.server.version(), "TLSv1.2");
}

TEST(FilterTest, LargeDataCrossesInManyRecords) {
  Wire w(client_ctx(), server_ctx());
  w.pump();
  std::string big(1 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  w.client.send(big);
  w.pump();
  EXPECT_EQ(w.server_in.view(), big);
}

struct Failure {
  std::error_code ec;
  std::string message;
};

Failure client_failure(const Issued& server_cert, std::string peername = "localhost",
                       ContextOptions client = {.ca_file = pki().ca.cert_file}) {
  Wire w(make(std::move(client)), server_ctx(server_cert), std::move(peername));
  w.pump();
  EXPECT_FALSE(w.client.established());
  return {w.client.error(), w.client.error_message()};
}

TEST(FilterTest, AnExpiredCertificateFailsWithExpired) {
  Failure f = client_failure(pki().expired);
  EXPECT_EQ(f.ec, Error::kCertificateExpired) << f.message;
  EXPECT_EQ(f.ec, std::errc::protocol_error);
  EXPECT_NE(f.message.find("certificate has expired"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("CN=localhost"), std::string::npos) << f.message;
}

TEST(FilterTest, ANotYetValidCertificateFailsWithNotYetValid) {
  Failure f = client_failure(pki().not_yet_valid);
  EXPECT_EQ(f.ec, Error::kCertificateNotYetValid) << f.message;
}

TEST(FilterTest, AnUntrustedIssuerFailsWithUnknownCa) {
  Failure f = client_failure(pki().untrusted);
  EXPECT_EQ(f.ec, Error::kUnknownCa) << f.message;
  EXPECT_NE(f.message.find("unable to get local issuer certificate"), std::string::npos)
      << f.message;
}

TEST(FilterTest, ASelfSignedCertificateFailsWithUnknownCa) {
  Failure f = client_failure(pki().self_signed);
  EXPECT_EQ(f.ec, Error::kUnknownCa) << f.message;
}

TEST(FilterTest, TheHostNameIsCheckedByDefault) {
  Failure f = client_failure(pki().wrong_name);
  EXPECT_EQ(f.ec, Error::kNameMismatch) << f.message;
  EXPECT_NE(f.message.find("wrong.example"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("not localhost"), std::string::npos) << f.message;
}

TEST(FilterTest, APeerNameThatIsAnAddressMatchesAnIpAltName) {
  Wire ok(client_ctx(), server_ctx(), "127.0.0.1");
  ok.pump();
  EXPECT_TRUE(ok.client.established()) << ok.client.error_message();
  EXPECT_EQ(ok.client.server_name(), "") << "no SNI for an address";
  Failure f = client_failure(pki().server, "127.0.0.2");
  EXPECT_EQ(f.ec, Error::kNameMismatch) << f.message;
}

// A certificate as `openssl req -x509 -subj /CN=localhost` makes it: a commonName and no
// subjectAltName. It names the host only through the CN, which counts only when asked for.
TEST(FilterTest, ACertificateWithoutSubjectAltNameNeedsTheCnFallback) {
  std::string dir = temp_dir("cn-only");
  std::string cert = dir + "/cert.pem";
  std::string key = dir + "/key.pem";
  Outcome made = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                      "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days",
                      "1", "-subj", "/CN=localhost"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  Context server = make({.cert_file = cert, .key_file = key});
  ASSERT_TRUE(make({.ca_file = cert}).native());

  Wire refused(make({.ca_file = cert}), server, "localhost");
  refused.pump();
  EXPECT_FALSE(refused.client.established());
  EXPECT_EQ(refused.client.error(), Error::kNameMismatch) << refused.client.error_message();
  EXPECT_NE(refused.client.error_message().find("verify_cn_fallback"), std::string::npos)
      << refused.client.error_message();

  Wire accepted(make({.verify_cn_fallback = true, .ca_file = cert}), server, "localhost");
  accepted.pump();
  EXPECT_TRUE(accepted.client.established()) << accepted.client.error_message();

  Wire other(make({.verify_cn_fallback = true, .ca_file = cert}), server, "example.org");
  other.pump();
  EXPECT_EQ(other.client.error(), Error::kNameMismatch) << "the fallback still compares the name";
}

// Schemes whose rules look at the CN even beside a DNS subjectAltName (smtp, ldap) do so only
// with the fallback on.
TEST(FilterTest, TheCnFallbackFollowsTheSchemesRule) {
  Pki local(temp_dir("cn-and-san"));
  Issued both = local.issue("both", {.cn = "cn.test", .dns = {"san.test"}}, &local.ca);
  Context server = make({.cert_file = both.cert_file, .key_file = both.key_file});
  Wire san_only(make({.verify_peername = "smtp", .ca_file = local.ca.cert_file}), server,
                "cn.test");
  san_only.pump();
  EXPECT_EQ(san_only.client.error(), Error::kNameMismatch) << san_only.client.error_message();
  Wire with_cn(make({.verify_peername = "smtp",
                     .verify_cn_fallback = true,
                     .ca_file = local.ca.cert_file}),
               server, "cn.test");
  with_cn.pump();
  EXPECT_TRUE(with_cn.client.established()) << with_cn.client.error_message();
  Wire https(make({.verify_cn_fallback = true, .ca_file = local.ca.cert_file}), server,
             "cn.test");
  https.pump();
  EXPECT_EQ(https.client.error(), Error::kNameMismatch) << "https: no CN beside a DNS SAN";
}

TEST(FilterTest, ABracketedIpv6PeerNameIsNeverSentAsSni) {
  Wire w(client_ctx(), server_ctx(), "[::1]");
  w.pump();
  ASSERT_TRUE(w.client.established()) << w.client.error_message();
  EXPECT_EQ(w.client.server_name(), "");
  EXPECT_EQ(w.server.server_name(), "") << "the server received no SNI";
  Failure f = client_failure(pki().server, "[::2]");
  EXPECT_EQ(f.ec, Error::kNameMismatch) << f.message;
}

TEST(FilterTest, WithoutAPeerNameAVerifyingClientFailsClosed) {
  Failure f = client_failure(pki().server, "");
  EXPECT_EQ(f.ec, Error::kNoPeerName) << f.message;
  EXPECT_NE(f.message.find("verify_peername"), std::string::npos) << f.message;
}

TEST(FilterTest, TurningVerificationOffIsExplicitAndAcceptsAnything) {
  Wire w(make({.verify = false}), server_ctx(pki().untrusted), "");
  w.pump();
  EXPECT_TRUE(w.client.established()) << w.client.error_message();
  Wire n(make({.verify_peername = "none", .ca_file = pki().ca.cert_file}),
         server_ctx(pki().wrong_name), "localhost");
  n.pump();
  EXPECT_TRUE(n.client.established()) << n.client.error_message();
}

TEST(FilterTest, TheServerLearnsWhyTheClientRejectedIt) {
  Wire w(client_ctx(), server_ctx(pki().untrusted));
  w.pump();
  EXPECT_EQ(w.client.error(), Error::kUnknownCa);
  EXPECT_EQ(w.server.error(), Error::kPeerAlert) << w.server.error_message();
  EXPECT_NE(w.server.error_message().find("unknown CA"), std::string::npos)
      << w.server.error_message();
  EXPECT_NE(w.server.error_message().find("rejected our certificate"), std::string::npos);
}

TEST(FilterTest, VerifyCbHasTheLastWord) {
  int calls = 0;
  ContextOptions lenient{.ca_file = pki().ca.cert_file};
  lenient.verify_cb = [&calls](const tls::VerifyInfo& info) {
    ++calls;
    return info.preverify_ok || info.error == X509_V_ERR_CERT_HAS_EXPIRED;
  };
  Wire w(make(std::move(lenient)), server_ctx(pki().expired));
  w.pump();
  EXPECT_TRUE(w.client.established()) << w.client.error_message();
  EXPECT_GE(calls, 2);

  ContextOptions strict{.ca_file = pki().ca.cert_file};
  strict.verify_cb = [](const tls::VerifyInfo& info) {
    return info.depth > 0 || info.certificate.common_name() == "someone else";
  };
  Failure f = client_failure(pki().server, "localhost", std::move(strict));
  EXPECT_EQ(f.ec, Error::kCertificateRejected) << f.message;
  EXPECT_NE(f.message.find("verify_cb"), std::string::npos) << f.message;
}

TEST(FilterTest, AVerifyCallbackExceptionComesOutOfTheFilter) {
  ContextOptions o{.ca_file = pki().ca.cert_file};
  o.verify_cb = [](const tls::VerifyInfo&) -> bool { throw std::runtime_error("boom"); };
  Wire w(make(std::move(o)), server_ctx());
  EXPECT_THROW(w.pump(), std::runtime_error);
  EXPECT_FALSE(w.client.established());
  EXPECT_EQ(w.client.error(), Error::kCertificateRejected);
}

TEST(FilterTest, APeerNameCallbackReplacesTheScheme) {
  ContextOptions o{.ca_file = pki().ca.cert_file};
  o.verify_peername =
      tls::PeerNameCallback([](const tls::Certificate& cert, std::string_view name) {
        return name == "alias" && cert.common_name() == "wrong.example";
      });
  Wire w(make(std::move(o)), server_ctx(pki().wrong_name), "alias");
  w.pump();
  EXPECT_TRUE(w.client.established()) << w.client.error_message();
}

TEST(FilterTest, CloseNotifyIsAnsweredAndPlainBytesAfterItAreKept) {
  Wire w(client_ctx(), server_ctx());
  w.pump();
  ASSERT_TRUE(w.client.established());
  w.client.shutdown();
  EXPECT_TRUE(w.client.shutdown_sent());
  Buffer c2s;
  w.client.take_output(c2s);
  std::string plain = "PLAIN AFTER TLS\r\n";
  w.server.receive(std::string(c2s.view()) + plain);
  w.server.read(w.server_in);
  EXPECT_TRUE(w.server.peer_closed());
  EXPECT_TRUE(w.server.shutdown_sent()) << "the server answers with its own close_notify";
  EXPECT_EQ(w.server.take_unfiltered(), plain);
  Buffer s2c;
  w.server.take_output(s2c);
  w.client.receive(s2c.view());
  w.client.read(w.client_in);
  EXPECT_TRUE(w.client.peer_closed());
  EXPECT_FALSE(w.client.error());
}

TEST(FilterTest, AnEndWithoutCloseNotifyIsReportedAsPossibleTruncation) {
  Wire w(client_ctx(), server_ctx());
  w.pump();
  w.client.receive_eof();
  w.client.read(w.client_in);
  EXPECT_EQ(w.client.error(), Error::kUnexpectedEof);
  EXPECT_NE(w.client.error_message().find("truncated"), std::string::npos);
  EXPECT_FALSE(w.client.peer_closed());
}

TEST(FilterTest, AllowUnexpectedEofMakesABareEndClean) {
  Wire w(make({.ca_file = pki().ca.cert_file, .allow_unexpected_eof = true}), server_ctx());
  w.pump();
  w.client.receive_eof();
  w.client.read(w.client_in);
  EXPECT_FALSE(w.client.error()) << w.client.error_message();
  EXPECT_TRUE(w.client.peer_closed());
}

TEST(FilterTest, AnEndInsideARecordIsAlwaysTruncation) {
  Wire w(make({.ca_file = pki().ca.cert_file, .allow_unexpected_eof = true}), server_ctx());
  w.pump();
  w.server.send("a record that will be cut short");
  Buffer s2c;
  w.server.take_output(s2c);
  w.client.receive(s2c.view().substr(0, s2c.size() - 5));
  w.client.receive_eof();
  w.client.read(w.client_in);
  EXPECT_EQ(w.client.error(), Error::kUnexpectedEof);
  EXPECT_NE(w.client.error_message().find("inside a TLS record"), std::string::npos)
      << w.client.error_message();
}

TEST(FilterTest, AnEndDuringTheHandshakeFailsIt) {
  Filter server(server_ctx(), Role::kAccept);
  server.start();
  Filter client(client_ctx(), Role::kConnect, "localhost");
  client.start();
  Buffer hello;
  client.take_output(hello);
  server.receive(hello.view().substr(0, hello.size() / 2));
  server.receive_eof();
  EXPECT_EQ(server.error(), Error::kUnexpectedEof);
  EXPECT_EQ(server.error_message(), "EOF during handshake");
}

TEST(FilterTest, PlainTextInsteadOfAHandshakeIsNotTls) {
  Filter server(server_ctx(), Role::kAccept);
  server.start();
  server.receive("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(server.error(), Error::kNotTls) << server.error_message();
  EXPECT_NE(server.error_message().find("does not speak TLS"), std::string::npos);

  Filter client(client_ctx(), Role::kConnect, "localhost");
  client.start();
  client.receive("220 smtp.example ESMTP ready\r\n");
  EXPECT_EQ(client.error(), Error::kNotTls) << client.error_message();
}

TEST(FilterTest, ACorruptRecordIsABadRecord) {
  Wire w(client_ctx(), server_ctx());
  w.pump();
  w.server.send("some application data");
  Buffer s2c;
  w.server.take_output(s2c);
  std::string corrupt(s2c.view());
  corrupt[corrupt.size() - 3] ^= 0x55;
  w.client.receive(corrupt);
  w.client.read(w.client_in);
  EXPECT_EQ(w.client.error(), Error::kBadRecord) << w.client.error_message();
}

TEST(FilterTest, AlpnPicksTheServersFirstChoiceTheClientOffers) {
  Context server = make({.cert_file = pki().server.cert_file,
                         .key_file = pki().server.key_file,
                         .alpn = {"h2", "http/1.1"}});
  Wire w(make({.ca_file = pki().ca.cert_file, .alpn = {"http/1.1", "h2"}}), server);
  w.pump();
  ASSERT_TRUE(w.client.established()) << w.client.error_message();
  EXPECT_EQ(w.client.alpn(), "h2");
  EXPECT_EQ(w.server.alpn(), "h2");
}

TEST(FilterTest, NoCommonAlpnProtocolGoesOnWithoutAlpn) {
  Context server = make(
      {.cert_file = pki().server.cert_file, .key_file = pki().server.key_file, .alpn = {"h2"}});
  Wire w(make({.ca_file = pki().ca.cert_file, .alpn = {"http/1.0"}}), server);
  w.pump();
  ASSERT_TRUE(w.server.established()) << w.server.error_message();
  ASSERT_TRUE(w.client.established()) << w.client.error_message();
  EXPECT_EQ(w.server.alpn(), "");
  EXPECT_EQ(w.client.alpn(), "");
}

TEST(FilterTest, NoCommonAlpnProtocolFailsTheHandshakeWhenAlpnIsRequired) {
  Context server = make({.cert_file = pki().server.cert_file,
                         .key_file = pki().server.key_file,
                         .alpn = {"h2"},
                         .alpn_required = true});
  Wire w(make({.ca_file = pki().ca.cert_file, .alpn = {"smtp"}}), server);
  w.pump();
  EXPECT_EQ(w.server.error(), Error::kNoApplicationProtocol) << w.server.error_message();
  EXPECT_EQ(w.client.error(), Error::kNoApplicationProtocol) << w.client.error_message();
}

TEST(FilterTest, TheServerPicksItsCertificateByServerName) {
  Context b = server_ctx(pki().sni_b);
  ContextOptions o{.cert_file = pki().sni_a.cert_file, .key_file = pki().sni_a.key_file};
  std::vector<std::string> asked;
  o.server_name_cb = [&](std::string_view name) -> std::optional<Context> {
    asked.emplace_back(name);
    if (name == "b.test") return b;
    return std::nullopt;
  };
  Context server = make(std::move(o));
  Wire wa(client_ctx(), server, "a.test");
  wa.pump();
  ASSERT_TRUE(wa.client.established()) << wa.client.error_message();
  EXPECT_EQ(wa.client.peer_certificate().common_name(), "a.test");
  Wire wb(client_ctx(), server, "b.test");
  wb.pump();
  ASSERT_TRUE(wb.client.established()) << wb.client.error_message();
  EXPECT_EQ(wb.client.peer_certificate().common_name(), "b.test");
  EXPECT_EQ(wb.server.server_name(), "b.test");
  EXPECT_EQ(asked, (std::vector<std::string>{"a.test", "b.test"}));
}

TEST(FilterTest, SniCanBeTurnedOff) {
  Wire w(make({.ca_file = pki().ca.cert_file, .sni = false}), server_ctx());
  w.pump();
  ASSERT_TRUE(w.client.established()) << w.client.error_message();
  EXPECT_EQ(w.server.server_name(), "");
}

TEST(FilterTest, MutualTlsVerifiesTheClientCertificate) {
  Context server = make({.verify = true,
                         .verify_require_client_cert = true,
                         .ca_file = pki().ca.cert_file,
                         .cert_file = pki().server.cert_file,
                         .key_file = pki().server.key_file});
  Context client = make({.ca_file = pki().ca.cert_file,
                         .cert_file = pki().client.cert_file,
                         .key_file = pki().client.key_file});
  Wire w(client, server);
  w.pump();
  ASSERT_TRUE(w.server.established()) << w.server.error_message();
  EXPECT_EQ(w.server.peer_certificate().common_name(), "ae test client");

  Wire without(client_ctx(), server);
  without.pump();
  EXPECT_EQ(without.server.error(), Error::kNoPeerCertificate) << without.server.error_message();
  EXPECT_TRUE(without.client.error()) << "TLS 1.3: the client hears it after its Finished";
}

TEST(FilterTest, ASecondConnectionResumesTheCachedSession) {
  Context client = client_ctx();
  Context server = server_ctx();
  {
    Wire first(client, server);
    first.pump();
    ASSERT_TRUE(first.client.established());
    EXPECT_FALSE(first.client.session_reused());
  }
  EXPECT_EQ(client.cached_sessions(), 1u);
  Wire second(client, server);
  second.pump();
  ASSERT_TRUE(second.client.established()) << second.client.error_message();
  EXPECT_TRUE(second.client.session_reused());
  client.clear_session_cache();
  EXPECT_EQ(client.cached_sessions(), 0u);
}

TEST(FilterTest, ACachedSessionIsOfferedOnlyToTheSamePort) {
  Context client = client_ctx();
  Context server = server_ctx();  // one server Context: it would resume whatever is offered
  {
    Wire first(client, server, "localhost", 443);
    first.pump();
    ASSERT_TRUE(first.client.established()) << first.client.error_message();
  }
  Wire other_port(client, server, "localhost", 8443);
  other_port.pump();
  ASSERT_TRUE(other_port.client.established()) << other_port.client.error_message();
  EXPECT_FALSE(other_port.client.session_reused()) << "host:443's session offered to host:8443";
  Wire same_port(client, server, "localhost", 443);
  same_port.pump();
  ASSERT_TRUE(same_port.client.established()) << same_port.client.error_message();
  EXPECT_TRUE(same_port.client.session_reused());
  EXPECT_EQ(client.cached_sessions(), 2u);
}

// A raw OpenSSL peer asks for renegotiation (TLS 1.2): the ae side refuses and says so.
void expect_refused(Filter& asking, Filter& asked, Buffer& asked_in) {
  SSL_clear_options(asking.native(), SSL_OP_NO_RENEGOTIATION);  // now a plain OpenSSL peer
  ASSERT_EQ(SSL_renegotiate(asking.native()), 1);
  SSL_do_handshake(asking.native());
  Buffer request;
  asking.take_output(request);
  ASSERT_FALSE(request.empty());
  asked.receive(request.view());
  asked.read(asked_in);
  EXPECT_EQ(asked.error(), Error::kRenegotiation) << asked.error_message();
  EXPECT_NE(asked.error_message().find("renegotiation"), std::string::npos);
}

TEST(FilterTest, AClientAskingToRenegotiateIsRefused) {
  Context tls12 = make({.max_version = tls::Version::kTls1_2, .ca_file = pki().ca.cert_file});
  Wire w(tls12, server_ctx());
  w.pump();
  ASSERT_TRUE(w.client.established()) << w.client.error_message();
  expect_refused(w.client, w.server, w.server_in);
}

TEST(FilterTest, AServerAskingToRenegotiateIsRefused) {
  Context tls12 = make({.max_version = tls::Version::kTls1_2, .ca_file = pki().ca.cert_file});
  Wire w(tls12, server_ctx());
  w.pump();
  ASSERT_TRUE(w.client.established()) << w.client.error_message();
  expect_refused(w.server, w.client, w.client_in);
}

TEST(FilterTest, AnEmptyContextIsAProgrammerError) {
  EXPECT_THROW(Filter(Context(), Role::kConnect), std::invalid_argument);
}

}  // namespace
}  // namespace ae::testing
