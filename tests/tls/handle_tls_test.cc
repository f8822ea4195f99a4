// TLS inside ae::Handle (AnyEvent::Handle's tls, starttls, stoptls, tls_detect, tls_autostart)
// between ae clients and ae servers over loopback TCP, on the asio and uv backends.
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "handle/json.h"
#include "handle/regex.h"
#include "tests/tls/support/contexts.h"
#include "tests/tls/support/handle_support.h"
#include "tests/tls/support/tls_test_util.h"
#include "tls/tls.h"

namespace ae::testing {
namespace {

class HandleTlsTest : public LoopTest {};

// A server that answers every line with "echo: <line>" over TLS.
HandleServer echo_server(const tls::Context& ctx) {
  return HandleServer([ctx] { return Handle::Options{.tls = tls::accept(ctx)}; },
                      [](Handle& h) {
                        h.on_error([](Handle&, bool, std::error_code, std::string_view) {});
                        h.on_eof([](Handle&) {});
                        h.on_read(echo_lines());
                      });
}

TEST_P(HandleTlsTest, ClientAndServerTalkOverTls) {
  HandleServer server = echo_server(server_context());
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  record_starttls(ce, client);
  client.push_write("hello\n");  // before the connection and the handshake: held until both
  std::string reply;
  client.push_read(line, [&](Handle&, std::string l, std::string) { reply = l; });
  ASSERT_TRUE(run_until([&] { return !reply.empty(); })) << ce.error_message;
  EXPECT_EQ(reply, "echo: hello");
  EXPECT_EQ(ce.starttls, 1);
  EXPECT_TRUE(ce.starttls_ok);
  EXPECT_EQ(ce.starttls_message, "TLS/SSL connection established");
  tls::Filter* f = tls::Filter::of(client.filter());
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->version(), "TLSv1.3");
  EXPECT_EQ(f->peername(), "localhost");
  EXPECT_EQ(f->peer_certificate().common_name(), "localhost");
  EXPECT_EQ(ce.errors, 0);
}

TEST_P(HandleTlsTest, AnFdHandlesTlsFactorySeesItsPeername) {
  auto [c, s] = tcp_pair();
  Events se, ce;
  Handle server(s, record(se, {.tls = tls::accept(server_context())}));
  // The factory runs inside the constructor; it must already see this Handle's peername.
  Handle client(c, record(ce, {.peername = "localhost", .tls = tls::connect(client_context())}));
  record_starttls(ce, client);
  ASSERT_TRUE(run_until([&] { return ce.starttls > 0; }));
  EXPECT_TRUE(ce.starttls_ok) << ce.starttls_message;
  EXPECT_EQ(tls::Filter::of(client.filter())->peername(), "localhost");
  EXPECT_EQ(tls::Filter::of(client.filter())->server_name(), "localhost");
}

TEST_P(HandleTlsTest, EveryReadTypeWorksThroughTls) {
  HandleServer server([] { return Handle::Options{.tls = tls::accept(server_context())}; },
                      [](Handle& h) {
                        h.push_write("a line\r\n");
                        h.push_write("CHUNK");
                        h.push_write(netstring, "net");
                        h.push_write(packstring("N"), "packed");
                        h.push_write(json, nlohmann::json{{"k", 1}});
                        h.push_write("<<regex>>");
                      });
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  std::vector<std::string> got;
  client.push_read(line, [&](Handle&, std::string l, std::string eol) {
    got.push_back(l + "|" + std::to_string(eol.size()));
  });
  client.push_read(chunk(5), [&](Handle&, std::string d) { got.push_back(d); });
  client.push_read(netstring, [&](Handle&, std::string d) { got.push_back(d); });
  client.push_read(packstring("N"), [&](Handle&, std::string d) { got.push_back(d); });
  client.push_read(json, [&](Handle&, nlohmann::json v) { got.push_back(v.dump()); });
  client.push_read(regex(">>"), [&](Handle&, std::string d) { got.push_back(d); });
  ASSERT_TRUE(run_until([&] { return got.size() == 6; })) << ce.error_message;
  EXPECT_EQ(got, (std::vector<std::string>{"a line|2", "CHUNK", "net", "packed", R"({"k":1})",
                                           "<<regex>>"}));
}

TEST_P(HandleTlsTest, ManyMegabytesCrossBothWays) {
  const std::size_t kSize = 8 << 20;
  std::string sent(kSize, '\0');
  for (std::size_t i = 0; i < kSize; ++i) sent[i] = static_cast<char>(i * 7 + (i >> 9));
  HandleServer server([] { return Handle::Options{.tls = tls::accept(server_context())}; },
                      [&](Handle& h) {
                        h.push_read(chunk(kSize), [](Handle& h, std::string data) {
                          h.push_write(data);  // back again
                        });
                      });
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  client.push_write(sent);
  std::string back;
  client.push_read(chunk(kSize), [&](Handle&, std::string data) { back = std::move(data); });
  ASSERT_TRUE(run_until([&] { return back.size() == kSize; }, 60s)) << ce.error_message;
  EXPECT_TRUE(back == sent);
}

TEST_P(HandleTlsTest, AVerificationFailureIsAFatalErrorWithItsReason) {
  HandleServer server = echo_server(server_context(pki().expired));
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  client.push_read(line, [](Handle&, std::string, std::string) {});
  ASSERT_TRUE(run_until([&] { return ce.errors > 0; }));
  EXPECT_TRUE(ce.fatal);
  EXPECT_EQ(ce.error, tls::Error::kCertificateExpired) << ce.error_message;
  EXPECT_EQ(ce.error, std::errc::protocol_error);
  EXPECT_NE(ce.error_message.find("certificate has expired"), std::string::npos);
  EXPECT_TRUE(client.destroyed());
}

TEST_P(HandleTlsTest, WithOnStarttlsAFailedHandshakeGoesThere) {
  HandleServer server = echo_server(server_context(pki().wrong_name));
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  record_starttls(ce, client);
  ASSERT_TRUE(run_until([&] { return ce.starttls > 0; }));
  EXPECT_FALSE(ce.starttls_ok);
  EXPECT_EQ(ce.starttls_ec, tls::Error::kNameMismatch) << ce.starttls_message;
  EXPECT_NE(ce.starttls_message.find("wrong.example"), std::string::npos);
  EXPECT_EQ(ce.errors, 0);
  EXPECT_EQ(client.filter(), nullptr) << "the failed session is dropped";
}

TEST_P(HandleTlsTest, TheServerHearsWhyTheClientRefused) {
  Events se;
  HandleServer server(
      [&] { return record(se, {.tls = tls::accept(server_context(pki().untrusted))}); },
      [](Handle& h) { h.push_read(line, [](Handle&, std::string, std::string) {}); });
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  ASSERT_TRUE(run_until([&] { return ce.errors > 0 && se.errors > 0; }));
  EXPECT_EQ(ce.error, tls::Error::kUnknownCa) << ce.error_message;
  EXPECT_TRUE(se.fatal);
  EXPECT_EQ(se.error, tls::Error::kPeerAlert) << se.error_message;
  EXPECT_NE(se.error_message.find("unknown CA"), std::string::npos) << se.error_message;
}

TEST_P(HandleTlsTest, MutualTlsChecksTheClientCertificate) {
  tls::Context strict = make_context({.verify = true,
                                      .verify_require_client_cert = true,
                                      .ca_file = pki().ca.cert_file,
                                      .cert_file = pki().server.cert_file,
                                      .key_file = pki().server.key_file});
  Events se;
  std::string client_cn;
  HandleServer server(
      [&] { return record(se, {.tls = tls::accept(strict)}); },
      [&](Handle& h) {
        h.on_starttls([&](Handle& h, bool ok, std::error_code ec, std::string_view m) {
          ++se.starttls;
          se.starttls_ok = ok;
          se.starttls_ec = ec;
          se.starttls_message = std::string(m);
          if (ok) client_cn = tls::Filter::of(h.filter())->peer_certificate().common_name();
        });
        h.push_read(line,
                    [](Handle& h, std::string l, std::string) { h.push_write("ok " + l + "\n"); });
      });
  tls::Context with_cert = make_context({.ca_file = pki().ca.cert_file,
                                         .cert_file = pki().client.cert_file,
                                         .key_file = pki().client.key_file});
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(with_cert)}));
  client.push_write("me\n");
  std::string reply;
  client.push_read(line, [&](Handle&, std::string l, std::string) { reply = l; });
  ASSERT_TRUE(run_until([&] { return !reply.empty(); })) << ce.error_message << se.error_message;
  EXPECT_EQ(reply, "ok me");
  EXPECT_EQ(client_cn, "ae test client");

  Events ne;
  Handle anonymous("localhost", server.service(),
                   record(ne, {.tls = tls::connect(client_context())}));
  anonymous.push_write("me\n");
  anonymous.push_read(line, [](Handle&, std::string, std::string) {});
  ASSERT_TRUE(run_until([&] { return se.starttls == 2 && ne.errors > 0; }));
  EXPECT_FALSE(se.starttls_ok);
  EXPECT_EQ(se.starttls_ec, tls::Error::kNoPeerCertificate) << se.starttls_message;
  EXPECT_EQ(ne.error, tls::Error::kPeerAlert) << ne.error_message;
  EXPECT_NE(ne.error_message.find("certificate required"), std::string::npos) << ne.error_message;
}

TEST_P(HandleTlsTest, StarttlsMidStreamFeedsBytesAlreadyBuffered) {
  // An SMTP-like exchange: plain greeting, "STARTTLS", then TLS on the same connection. The
  // client pipelines its ClientHello right behind "STARTTLS\r\n" in one segment (autocork), so
  // the server's read buffer holds handshake bytes when its line reader sees the command.
  std::size_t buffered_at_starttls = 0;
  std::string secret;
  Events se;
  HandleServer server(
      [&] { return record(se); },
      [&](Handle& h) {
        record_starttls(se, h);
        h.push_write("220 ready\r\n");
        h.push_read(line, [&](Handle& h, std::string l, std::string) {
          ASSERT_EQ(l, "STARTTLS");
          buffered_at_starttls = h.rbuf().size();
          h.starttls(std::make_unique<tls::Filter>(server_context(), tls::Role::kAccept));
          h.push_read(line, [&](Handle& h, std::string l, std::string) {
            secret = l;
            h.push_write("250 got it\r\n");
          });
        });
      });
  Events ce;
  Handle client("127.0.0.1", server.service(), record(ce, {.autocork = true}));
  record_starttls(ce, client);
  std::string greeting, answer;
  client.push_read(line, [&](Handle& h, std::string l, std::string) {
    greeting = l;
    h.push_write("STARTTLS\r\n");
    h.starttls(std::make_unique<tls::Filter>(client_context(), tls::Role::kConnect, "localhost"));
    h.push_write("secret\r\n");
    h.push_read(line, [&](Handle&, std::string l, std::string) { answer = l; });
  });
  ASSERT_TRUE(run_until([&] { return !answer.empty(); })) << ce.error_message << se.error_message;
  EXPECT_EQ(greeting, "220 ready");
  EXPECT_GT(buffered_at_starttls, 0u) << "the ClientHello should have been buffered already";
  EXPECT_EQ(secret, "secret");
  EXPECT_EQ(answer, "250 got it");
  EXPECT_TRUE(ce.starttls_ok);
  EXPECT_TRUE(se.starttls_ok);
}

TEST_P(HandleTlsTest, StoptlsReturnsBothSidesToPlainText) {
  Events se;
  std::string server_plain;
  HandleServer server(
      [&] { return record(se, {.tls = tls::accept(server_context())}); },
      [&](Handle& h) {
        h.push_read(line, [](Handle& h, std::string, std::string) { h.push_write("tls\n"); });
        h.on_stoptls([&](Handle& h) {
          ++se.stoptls;
          EXPECT_EQ(h.filter(), nullptr);
          h.push_write("plain again\n");
          h.push_read(line, [&](Handle&, std::string l, std::string) { server_plain = l; });
        });
      });
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  std::string plain;
  client.push_write("hi\n");
  client.push_read(line, [&](Handle& h, std::string l, std::string) {
    EXPECT_EQ(l, "tls");
    h.stoptls();
  });
  client.on_stoptls([&](Handle& h) {
    ++ce.stoptls;
    h.push_read(line, [&](Handle& h, std::string l, std::string) {
      plain = l;
      h.push_write("plain from the client\n");
    });
  });
  ASSERT_TRUE(run_until([&] { return !server_plain.empty(); }))
      << ce.error_message << se.error_message;
  EXPECT_EQ(plain, "plain again");
  EXPECT_EQ(server_plain, "plain from the client");
  EXPECT_EQ(ce.stoptls, 1);
  EXPECT_EQ(se.stoptls, 1);
  EXPECT_EQ(ce.errors + se.errors, 0);
}

TEST_P(HandleTlsTest, TlsAutostartServesTlsAndPlainTextOnOnePort) {
  tls::Context ctx = server_context();
  HandleServer server([] { return Handle::Options{}; },
                      [&](Handle& h) {
                        h.on_error([](Handle&, bool, std::error_code, std::string_view) {});
                        h.unshift_read(tls_autostart(tls::accept(ctx)));
                        h.push_read(line, [](Handle& h, std::string l, std::string) {
                          h.push_write(std::string(h.filter() ? "tls" : "plain") + ": " + l + "\n");
                        });
                      });
  Events te, pe;
  Handle tls_client("localhost", server.service(),
                    record(te, {.tls = tls::connect(client_context())}));
  Handle plain_client("127.0.0.1", server.service(), record(pe));
  std::string tls_reply, plain_reply;
  tls_client.push_write("one\n");
  plain_client.push_write("two\n");
  tls_client.push_read(line, [&](Handle&, std::string l, std::string) { tls_reply = l; });
  plain_client.push_read(line, [&](Handle&, std::string l, std::string) { plain_reply = l; });
  ASSERT_TRUE(run_until([&] { return !tls_reply.empty() && !plain_reply.empty(); }))
      << te.error_message << pe.error_message;
  EXPECT_EQ(tls_reply, "tls: one");
  EXPECT_EQ(plain_reply, "plain: two");
}

TEST_P(HandleTlsTest, TlsDetectTellsAHandshakeFromPlainText) {
  struct Seen {
    bool tls = false;
    int major = -1, minor = -1;
    std::string next;
  };
  std::vector<Seen> seen;
  HandleServer server(
      [] { return Handle::Options{}; },
      [&](Handle& h) {
        h.on_error([](Handle&, bool, std::error_code, std::string_view) {});
        h.on_eof([](Handle&) {});
        h.push_read(tls_detect, [&](Handle& h, bool tls, int major, int minor) {
          seen.push_back({tls, major, minor, {}});
          if (!tls) {
            h.push_read(line, [&](Handle&, std::string l, std::string) { seen.back().next = l; });
          }
        });
      });
  Events te, pe;
  Handle tls_client("localhost", server.service(),
                    record(te, {.tls = tls::connect(client_context())}));
  ASSERT_TRUE(run_until([&] { return seen.size() == 1; }));
  Handle plain_client("127.0.0.1", server.service(), record(pe));
  plain_client.push_write("hello\n");
  ASSERT_TRUE(run_until([&] { return seen.size() == 2 && !seen[1].next.empty(); }));
  EXPECT_TRUE(seen[0].tls);
  EXPECT_EQ(seen[0].major, 3);
  EXPECT_EQ(seen[0].minor, 1);  // TLS 1.3 hellos travel in TLS 1.0 records
  EXPECT_FALSE(seen[1].tls);
  EXPECT_EQ(seen[1].next, "hello");
}

TEST_P(HandleTlsTest, ACloseNotifyEndsTheStreamCleanly) {
  HandleServer server([] { return Handle::Options{.tls = tls::accept(server_context())}; },
                      [](Handle& h) {
                        h.on_error([](Handle&, bool, std::error_code, std::string_view) {});
                        h.on_eof([](Handle&) {});
                        h.push_write("bye\n");
                        h.push_shutdown();  // close_notify, then SHUT_WR
                      });
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  std::string got;
  client.push_read(line, [&](Handle&, std::string l, std::string) { got = l; });
  ASSERT_TRUE(run_until([&] { return ce.eof > 0 || ce.errors > 0; }));
  EXPECT_EQ(got, "bye");
  EXPECT_EQ(ce.eof, 1);
  EXPECT_EQ(ce.errors, 0) << ce.error_message;
}

TEST_P(HandleTlsTest, AnEndWithoutCloseNotifyIsReportedAsTruncation) {
  HandleServer server([] { return Handle::Options{.tls = tls::accept(server_context())}; },
                      [](Handle& h) {
                        h.on_error([](Handle&, bool, std::error_code, std::string_view) {});
                        h.on_starttls([](Handle& h, bool, std::error_code, std::string_view) {
                          h.push_write("partial answer\n");
                          // Cut the TCP stream under TLS: FIN without close_notify.
                          h.on_drain([](Handle& h) { ::shutdown(h.fd(), SHUT_WR); });
                        });
                      });
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  std::string got;
  client.push_read(line, [&](Handle& h, std::string l, std::string) {
    got = l;
    h.push_read(line, [](Handle&, std::string, std::string) {});
  });
  ASSERT_TRUE(run_until([&] { return ce.errors > 0; }));
  EXPECT_EQ(got, "partial answer");
  EXPECT_TRUE(ce.fatal);
  EXPECT_EQ(ce.error, tls::Error::kUnexpectedEof) << ce.error_message;
  EXPECT_NE(ce.error_message.find("close_notify"), std::string::npos);
  EXPECT_EQ(ce.eof, 0);
}

// A server that completes the handshake, says "ready", and then never reads again, so it never
// sees (or answers) a close_notify.
HandleServer deaf_server() {
  return HandleServer([] { return Handle::Options{.tls = tls::accept(server_context())}; },
                      [](Handle& h) {
                        h.on_error([](Handle&, bool, std::error_code, std::string_view) {});
                        h.on_starttls([](Handle& h, bool, std::error_code, std::string_view) {
                          h.stop_read();
                          h.push_write("ready\n");
                        });
                      });
}

TEST_P(HandleTlsTest, ResettlsDropsTheSessionWithoutAClose) {
  Events se;
  HandleServer server(
      [&] { return record(se, {.tls = tls::accept(server_context())}); },
      [](Handle& h) { h.push_read(line, [](Handle&, std::string, std::string) {}); });
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_context())}));
  record_starttls(ce, client);
  ASSERT_TRUE(run_until([&] { return ce.starttls > 0; }));
  client.resettls();
  EXPECT_EQ(client.filter(), nullptr);
  client.push_write("plain now\n");  // not TLS: the server's session cannot read it
  ASSERT_TRUE(run_until([&] { return se.errors > 0; }));
  EXPECT_EQ(se.error, tls::Error::kBadRecord) << se.error_message;
}

TEST_P(HandleTlsTest, StoptlsGivesUpOnAPeerThatNeverAnswers) {
  HandleServer server = deaf_server();
  Events ce;
  Handle client("localhost", server.service(),
                record(ce, {.tls = tls::connect(client_context()), .close_timeout = 0.3}));
  client.push_read(line, [](Handle& h, std::string, std::string) { h.stoptls(); });
  ASSERT_TRUE(run_until([&] { return ce.errors > 0; }, 5s));
  EXPECT_TRUE(ce.fatal);
  EXPECT_EQ(ce.error, std::errc::timed_out) << ce.error_message;
  EXPECT_NE(ce.error_message.find("did not answer our close"), std::string::npos)
      << ce.error_message;
}

TEST_P(HandleTlsTest, PushShutdownGivesUpOnAPeerThatNeverAnswers) {
  HandleServer server = deaf_server();
  Events ce;
  Handle client("localhost", server.service(),
                record(ce, {.tls = tls::connect(client_context()), .close_timeout = 0.3}));
  client.push_read(line, [](Handle& h, std::string, std::string) {
    h.push_write("last words\n");
    h.push_shutdown();
  });
  ASSERT_TRUE(run_until([&] { return ce.errors > 0; }, 5s));
  EXPECT_EQ(ce.error, std::errc::timed_out) << ce.error_message;
  EXPECT_EQ(ce.eof, 0);
}

TEST_P(HandleTlsTest, AStalledHandshakeEndsWithTheHandlesTimeout) {
  int timeouts = 0;
  Events se;
  HandleServer server(
      [&] {
        return record(se, {.timeout = 0.3,
                           .on_timeout =
                               [&](Handle& h) {
                                 ++timeouts;
                                 h.destroy();
                               },
                           .tls = tls::accept(server_context())});
      },
      [&](Handle& h) { record_starttls(se, h); });
  // A client that connects and then says nothing at all.
  Events ce;
  Handle silent("127.0.0.1", server.service(), record(ce));
  ASSERT_TRUE(run_until([&] { return timeouts > 0; }, 5s));
  EXPECT_EQ(se.starttls, 0);
}

TEST_P(HandleTlsTest, TheNextConnectionResumesTheSession) {
  HandleServer server = echo_server(server_context());
  tls::Context ctx = client_context();
  for (int round = 0; round < 2; ++round) {
    Events ce;
    Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(ctx)}));
    client.push_write("x\n");
    bool done = false;
    client.push_read(line, [&](Handle&, std::string, std::string) { done = true; });
    ASSERT_TRUE(run_until([&] { return done; })) << ce.error_message;
    EXPECT_EQ(tls::Filter::of(client.filter())->session_reused(), round == 1);
  }
}

// Two servers on two ports that share one Context (and so would resume each other's sessions):
// the client offers each port only its own session.
TEST_P(HandleTlsTest, ASessionIsResumedOnlyOnThePortItCameFrom) {
  tls::Context server_ctx = server_context();
  HandleServer a = echo_server(server_ctx);
  HandleServer b = echo_server(server_ctx);
  tls::Context ctx = client_context();
  auto reused = [&](const HandleServer& server) {
    Events ce;
    Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(ctx)}));
    client.push_write("x\n");
    bool done = false;
    client.push_read(line, [&](Handle&, std::string, std::string) { done = true; });
    EXPECT_TRUE(run_until([&] { return done; })) << ce.error_message;
    tls::Filter* f = tls::Filter::of(client.filter());
    return f != nullptr && f->session_reused();
  };
  EXPECT_FALSE(reused(a));
  EXPECT_FALSE(reused(b)) << "a's session was offered to b's port";
  EXPECT_TRUE(reused(a));
  EXPECT_TRUE(reused(b));
}

TEST_P(HandleTlsTest, AlpnIsAgreedThroughHandles) {
  tls::Context server_ctx = make_context({.cert_file = pki().server.cert_file,
                                          .key_file = pki().server.key_file,
                                          .alpn = {"h2", "http/1.1"}});
  std::string server_alpn;
  HandleServer server([&] { return Handle::Options{.tls = tls::accept(server_ctx)}; },
                      [&](Handle& h) {
                        h.on_starttls([&](Handle& h, bool, std::error_code, std::string_view) {
                          server_alpn = tls::Filter::of(h.filter())->alpn();
                        });
                      });
  tls::Context client_ctx = make_context({.ca_file = pki().ca.cert_file, .alpn = {"http/1.1"}});
  Events ce;
  Handle client("localhost", server.service(), record(ce, {.tls = tls::connect(client_ctx)}));
  record_starttls(ce, client);
  ASSERT_TRUE(run_until([&] { return ce.starttls > 0 && !server_alpn.empty(); }));
  EXPECT_EQ(tls::Filter::of(client.filter())->alpn(), "http/1.1");
  EXPECT_EQ(server_alpn, "http/1.1");
}

TEST_P(HandleTlsTest, DestroyingTheHandleInsideOnStarttlsIsSafe) {
  HandleServer server = echo_server(server_context());
  Events ce;
  auto client = std::make_unique<Handle>("localhost", server.service(),
                                         record(ce, {.tls = tls::connect(client_context())}));
  bool called = false;
  client->on_starttls([&](Handle&, bool, std::error_code, std::string_view) {
    called = true;
    client.reset();
  });
  client->push_write("never read\n");
  ASSERT_TRUE(run_until([&] { return called; }));
  EXPECT_EQ(client, nullptr);
}

INSTANTIATE_TEST_SUITE_P(Backends, HandleTlsTest, ::testing::ValuesIn(main_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
