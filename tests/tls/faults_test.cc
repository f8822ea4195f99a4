// Bad peers: garbage instead of a handshake, a peer that closes or resets mid-handshake, a
// handshake that stalls, renegotiation requested by a raw OpenSSL server, truncated, corrupt and
// oversized records, and random damage to real handshakes. Each ends in a clear error: no crash,
// no hang.
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "tests/tls/support/contexts.h"
#include "tests/tls/support/handle_support.h"
#include "tests/tls/support/tls_test_util.h"
#include "tls/tls.h"

namespace ae::testing {
namespace {

class FaultsTest : public LoopTest {};

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// A ClientHello as an ae client would send it.
std::string client_hello() {
  tls::Filter f(client_context(), tls::Role::kConnect, "localhost");
  f.start();
  Buffer out;
  f.take_output(out);
  return std::string(out.view());
}

// An ae TLS server Handle on one end of a TCP pair; the test drives the other end raw.
struct RawClient {
  RawClient() {
    auto [c, s] = tcp_pair();
    raw = c;
    server = std::make_unique<Handle>(s, record(e, {.tls = tls::accept(server_context())}));
    server->push_read(line, [](Handle&, std::string, std::string) {});
  }
  ~RawClient() {
    if (raw >= 0) ::close(raw);
  }
  bool wait_error() {
    return run_until([this] { return e.errors > 0; });
  }
  int raw = -1;
  Events e;
  std::unique_ptr<Handle> server;
};

TEST_P(FaultsTest, PlainTextInsteadOfAClientHelloIsNotTls) {
  RawClient c;
  write_all(c.raw, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  ASSERT_TRUE(c.wait_error());
  EXPECT_TRUE(c.e.fatal);
  EXPECT_EQ(c.e.error, tls::Error::kNotTls) << c.e.error_message;
  EXPECT_NE(c.e.error_message.find("does not speak TLS"), std::string::npos);
}

TEST_P(FaultsTest, AMegabyteOfRandomBytesIsAClearError) {
  RawClient c;
  std::mt19937 rng(7);
  std::string junk(1 << 20, '\0');
  for (char& b : junk) b = static_cast<char>(rng());
  junk[0] = 0x16;  // looks like a handshake record at first
  std::thread writer([fd = c.raw, &junk] { write_all(fd, junk); });
  ASSERT_TRUE(c.wait_error());
  ::shutdown(c.raw, SHUT_RDWR);
  writer.join();
  EXPECT_TRUE(c.e.fatal);
  EXPECT_EQ(c.e.error.category(), tls::tls_category()) << c.e.error_message;
  EXPECT_FALSE(c.e.error_message.empty());
}

TEST_P(FaultsTest, APeerClosingMidHandshakeIsEofDuringHandshake) {
  RawClient c;
  std::string hello = client_hello();
  write_all(c.raw, hello.substr(0, hello.size() / 2));
  ::shutdown(c.raw, SHUT_WR);
  ASSERT_TRUE(c.wait_error());
  EXPECT_EQ(c.e.error, tls::Error::kUnexpectedEof) << c.e.error_message;
  EXPECT_EQ(c.e.error_message, "EOF during handshake");
}

TEST_P(FaultsTest, APeerResettingMidHandshakeIsConnectionReset) {
  RawClient c;
  std::string hello = client_hello();
  write_all(c.raw, hello.substr(0, 10));
  linger lg{1, 0};
  ::setsockopt(c.raw, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::close(c.raw);
  c.raw = -1;
  ASSERT_TRUE(c.wait_error());
  EXPECT_TRUE(c.e.fatal);
  EXPECT_EQ(c.e.error, std::errc::connection_reset) << c.e.error_message;
}

TEST_P(FaultsTest, AServerThatSaysSomethingElseIsNotTls) {
  Events e;
  HandleServer banner([] { return Handle::Options{}; },
                      [](Handle& h) {
                        h.on_error([](Handle&, bool, std::error_code, std::string_view) {});
                        h.push_write("SSH-2.0-OpenSSH_9.2\r\n");
                      });
  Handle client("localhost", banner.service(), record(e, {.tls = tls::connect(client_context())}));
  client.push_read(line, [](Handle&, std::string, std::string) {});
  ASSERT_TRUE(run_until([&] { return e.errors > 0; }));
  EXPECT_EQ(e.error, tls::Error::kNotTls) << e.error_message;
}

TEST_P(FaultsTest, AServerClosingAfterTheClientHelloIsEofDuringHandshake) {
  Events e;
  HandleServer quitter([] { return Handle::Options{}; },
                       [](Handle& h) {
                         h.on_error([](Handle&, bool, std::error_code, std::string_view) {});
                         h.push_read(chunk(5), [](Handle& h, std::string) { h.destroy(); });
                       });
  Handle client("localhost", quitter.service(), record(e, {.tls = tls::connect(client_context())}));
  record_starttls(e, client);
  ASSERT_TRUE(run_until([&] { return e.starttls > 0; }));
  EXPECT_FALSE(e.starttls_ok);
  EXPECT_EQ(e.starttls_ec, tls::Error::kUnexpectedEof) << e.starttls_message;
  EXPECT_EQ(e.starttls_message, "EOF during handshake");
}

TEST_P(FaultsTest, AServerThatNeverAnswersTimesOut) {
  Events e;
  HandleServer mute(
      [] { return Handle::Options{}; },
      [](Handle& h) { h.on_error([](Handle&, bool, std::error_code, std::string_view) {}); });
  Handle client("localhost", mute.service(),
                record(e, {.rtimeout = 0.2, .tls = tls::connect(client_context())}));
  ASSERT_TRUE(run_until([&] { return e.errors >= 2; }, 5s));
  EXPECT_FALSE(e.fatal) << "AnyEvent's timeouts are not fatal; they repeat";
  EXPECT_EQ(e.error, std::errc::timed_out);
  EXPECT_FALSE(client.filter()->established());
}

// A TLS server made of OpenSSL alone, on a thread with a blocking socket: it completes a TLS 1.2
// handshake, then asks the client to renegotiate (HelloRequest).
class RenegotiatingServer {
 public:
  explicit RenegotiatingServer(int fd) : fd_(fd), thread_([this] { run(); }) {}
  ~RenegotiatingServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::atomic<bool> asked{false};

 private:
  void run() {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_use_certificate_chain_file(ctx, pki().server.cert_file.c_str());
    SSL_CTX_use_PrivateKey_file(ctx, pki().server.key_file.c_str(), SSL_FILETYPE_PEM);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd_);
    if (SSL_accept(ssl) == 1 && SSL_renegotiate(ssl) == 1) {
      SSL_do_handshake(ssl);  // sends the HelloRequest
      asked = true;
      char buf[256];
      while (SSL_read(ssl, buf, sizeof buf) > 0) {
      }
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
  int fd_;
  std::thread thread_;
};

TEST_P(FaultsTest, ARawOpensslServerAskingToRenegotiateIsRefused) {
  auto [c, s] = tcp_pair();
  RenegotiatingServer server(s);
  Events e;
  Handle client(c, record(e, {.peername = "localhost", .tls = tls::connect(client_context())}));
  client.push_read(line, [](Handle&, std::string, std::string) {});
  ASSERT_TRUE(run_until([&] { return e.errors > 0; }));
  EXPECT_TRUE(server.asked);
  EXPECT_TRUE(e.fatal);
  EXPECT_EQ(e.error, tls::Error::kRenegotiation) << e.error_message;
}

// After a good handshake, the test writes raw bytes into the server's side of the connection.
struct Established {
  Established() : server(echo(), [this](Handle& h) { server_handle = &h; }) {
    client = std::make_unique<Handle>("localhost", server.service(),
                                      record(e, {.tls = tls::connect(client_context())}));
    record_starttls(e, *client);
    ok = run_until([this] { return e.starttls > 0 && server_handle != nullptr; });
    client->push_read(line, [](Handle&, std::string, std::string) {});
  }
  static std::function<Handle::Options()> echo() {
    return [] {
      return Handle::Options{.on_error = [](Handle&, bool, std::error_code, std::string_view) {},
                             .tls = tls::accept(server_context())};
    };
  }
  void inject(std::string_view bytes, bool then_close) {
    write_all(server_handle->fd(), bytes);
    if (then_close) ::shutdown(server_handle->fd(), SHUT_WR);
  }
  bool ok = false;
  Events e;
  Handle* server_handle = nullptr;
  HandleServer server;
  std::unique_ptr<Handle> client;
};

TEST_P(FaultsTest, ARecordCutShortIsTruncation) {
  Established t;
  ASSERT_TRUE(t.ok);
  t.inject(std::string("\x17\x03\x03\x00\x40", 5) + std::string(10, 'x'), true);
  ASSERT_TRUE(run_until([&] { return t.e.errors > 0; }));
  EXPECT_TRUE(t.e.fatal);
  EXPECT_EQ(t.e.error, tls::Error::kUnexpectedEof) << t.e.error_message;
  EXPECT_NE(t.e.error_message.find("inside a TLS record"), std::string::npos) << t.e.error_message;
}

TEST_P(FaultsTest, AForgedRecordIsABadRecord) {
  Established t;
  ASSERT_TRUE(t.ok);
  t.inject(std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, 'x'), false);
  ASSERT_TRUE(run_until([&] { return t.e.errors > 0; }));
  EXPECT_EQ(t.e.error, tls::Error::kBadRecord) << t.e.error_message;
}

TEST_P(FaultsTest, AnOversizedRecordIsABadRecord) {
  Established t;
  ASSERT_TRUE(t.ok);
  t.inject(std::string("\x17\x03\x03\xff\xff", 5), false);
  ASSERT_TRUE(run_until([&] { return t.e.errors > 0; }));
  EXPECT_EQ(t.e.error, tls::Error::kBadRecord) << t.e.error_message;
}

INSTANTIATE_TEST_SUITE_P(Backends, FaultsTest, ::testing::ValuesIn(main_backends()), backend_name);

// ---- Random damage to real handshakes (no sockets) ---------------------------------------------

// Runs a client and server filter against each other, damaging the bytes in flight with `damage`;
// both must end established or failed with a message, within a bounded number of rounds.
template <class Damage>
void run_damaged(Damage damage) {
  tls::Filter client(client_context(), tls::Role::kConnect, "localhost");
  tls::Filter server(server_context(), tls::Role::kAccept);
  client.start();
  server.start();
  Buffer app;
  for (int round = 0; round < 20; ++round) {
    Buffer c2s, s2c;
    client.take_output(c2s);
    server.take_output(s2c);
    if (c2s.empty() && s2c.empty()) break;
    std::string a(c2s.view()), b(s2c.view());
    damage(a);
    damage(b);
    if (!a.empty()) server.receive(a);
    if (!b.empty()) client.receive(b);
    server.read(app);
    client.read(app);
  }
  client.receive_eof();
  server.receive_eof();
  client.read(app);
  server.read(app);
  for (tls::Filter* f : {&client, &server}) {
    if (f->error()) {
      EXPECT_EQ(f->error().category(), tls::tls_category());
      EXPECT_FALSE(f->error_message().empty());
    }
  }
}

TEST(FaultsFuzzTest, RandomBitFlipsNeverCrash) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 300; ++i) {
    run_damaged([&](std::string& bytes) {
      if (bytes.empty() || rng() % 3 != 0) return;
      bytes[rng() % bytes.size()] ^= static_cast<char>(1u << (rng() % 8));
    });
  }
}

TEST(FaultsFuzzTest, RandomTruncationsNeverCrash) {
  std::mt19937 rng(99);
  for (int i = 0; i < 300; ++i) {
    run_damaged([&](std::string& bytes) {
      if (bytes.empty() || rng() % 4 != 0) return;
      bytes.resize(rng() % bytes.size());
    });
  }
}

TEST(FaultsFuzzTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(4242);
  for (int i = 0; i < 300; ++i) {
    tls::Filter server(server_context(), tls::Role::kAccept);
    server.start();
    std::string junk(rng() % 2000, '\0');
    for (char& b : junk) b = static_cast<char>(rng());
    if (!junk.empty() && i % 2 == 0) junk[0] = 0x16;
    server.receive(junk);
    Buffer app;
    server.read(app);
    server.receive_eof();
    EXPECT_TRUE(server.error() || junk.size() < 5) << i;
    EXPECT_FALSE(server.established());
  }
}

}  // namespace
}  // namespace ae::testing
