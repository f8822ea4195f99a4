// starttls / stoptls / tls_autostart over ae::StreamFilter, with the toy filter standing in for
// TLS (the //tls package implements the same interface with OpenSSL).
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "tests/handle/test_util.h"
#include "tests/handle/toy_filter.h"

namespace ae::testing {
namespace {

constexpr unsigned char kKey = 0x5a;

FilterFactory toy(ToyRole role, unsigned char key = kKey, std::error_code fail_with = {}) {
  return [=](Handle&) { return std::make_unique<ToyFilter>(role, key, fail_with); };
}

struct Outcome {
  int starttls = 0;
  bool ok = false;
  std::error_code ec;
  std::string message;
  int errors = 0;
  bool fatal = false;
  std::error_code error;
  std::string error_message;
  int stoptls = 0;
  int eof = 0;
};

Handle::Options watch(Outcome& o, Handle::Options options = {}) {
  options.on_error = [&o](Handle&, bool fatal, std::error_code ec, std::string_view m) {
    ++o.errors;
    o.fatal = fatal;
    o.error = ec;
    o.error_message = std::string(m);
  };
  options.on_eof = [&o](Handle&) { ++o.eof; };
  return options;
}

void watch_starttls(Outcome& o, Handle& h) {
  h.on_starttls([&o](Handle&, bool ok, std::error_code ec, std::string_view m) {
    ++o.starttls;
    o.ok = ok;
    o.ec = ec;
    o.message = std::string(m);
  });
}

class FilterTest : public LoopTest {};

TEST_P(FilterTest, TwoHandlesTalkThroughTheFilter) {
  auto [a, b] = unix_pair();
  Outcome co, so;
  Handle::Options copts = watch(co);
  copts.tls = toy(ToyRole::kClient);
  Handle client(a, std::move(copts));
  Handle::Options sopts = watch(so);
  sopts.tls = toy(ToyRole::kServer);
  Handle server(b, std::move(sopts));
  watch_starttls(co, client);
  watch_starttls(so, server);

  int drained = 0;
  client.push_write("secret line\n");  // before the handshake: held until it completes
  client.on_drain([&](Handle&) { ++drained; });
  std::string got;
  server.push_read(line, [&](Handle& h, std::string l, std::string) {
    got = l;
    h.push_write("reply\n");
  });
  std::string reply;
  client.push_read(line, [&](Handle&, std::string l, std::string) { reply = l; });
  ASSERT_TRUE(run_until([&] { return !reply.empty(); }));
  EXPECT_EQ(got, "secret line");
  EXPECT_EQ(reply, "reply");
  EXPECT_EQ(co.starttls, 1);
  EXPECT_TRUE(co.ok);
  EXPECT_EQ(co.message, "TLS/SSL connection established");
  EXPECT_EQ(so.starttls, 1);
  EXPECT_GE(drained, 1);
  EXPECT_EQ(co.errors + so.errors, 0);
}

TEST_P(FilterTest, OnlyFilteredBytesCrossTheWire) {
  auto [a, b] = unix_pair();
  Outcome so;
  Handle server(a, watch(so));
  server.starttls(std::make_unique<ToyFilter>(ToyRole::kServer, kKey));
  RawPeer peer(b);
  std::string got;
  server.push_read(line, [&](Handle& h, std::string l, std::string) {
    got = l;
    h.push_write("pong\n");
  });
  peer.write(ToyFilter::hello(kKey) + ToyFilter::record(kKey, "ping\n"));
  const std::string want = ToyFilter::hello(kKey) + ToyFilter::record(kKey, "pong\n");
  ASSERT_TRUE(peer.wait_bytes(want.size()));
  EXPECT_EQ(got, "ping");
  EXPECT_EQ(peer.received(), want);
  EXPECT_EQ(peer.received().find("pong"), std::string::npos);
}

TEST_P(FilterTest, StarttlsAfterAPlainExchange) {
  // SMTP-style: plain "STARTTLS", plain "220 go", then both sides switch.
  auto [a, b] = unix_pair();
  Outcome co, so;
  Handle client(a, watch(co));
  Handle server(b, watch(so));
  std::string secret;
  server.push_read(line, [&](Handle& h, std::string l, std::string) {
    ASSERT_EQ(l, "STARTTLS");
    h.push_write("220 go\n");  // queued before starttls: goes out plain
    h.starttls(std::make_unique<ToyFilter>(ToyRole::kServer, kKey));
    h.push_read(line, [&](Handle&, std::string l, std::string) { secret = l; });
  });
  client.push_write("STARTTLS\n");
  client.push_read(line, [&](Handle& h, std::string l, std::string) {
    ASSERT_EQ(l, "220 go");
    h.starttls(std::make_unique<ToyFilter>(ToyRole::kClient, kKey));
    h.push_write("MAIL FROM:<a@b>\n");
  });
  ASSERT_TRUE(run_until([&] { return !secret.empty(); }));
  EXPECT_EQ(secret, "MAIL FROM:<a@b>");
  EXPECT_THROW(client.starttls(std::make_unique<ToyFilter>(ToyRole::kClient, kKey)),
               std::logic_error);
}

// A server accepting TLS or plain text on one fd: tls_autostart, then one line. Returns the line
// read after the peer sent `wire`, and the name of the filter it started ("" for none).
std::pair<std::string, std::string> serve_autostart(const std::string& wire) {
  auto [a, b] = unix_pair();
  Outcome so;
  Handle server(a, watch(so));
  server.push_read(tls_autostart(toy(ToyRole::kServer)));
  std::string got;
  server.push_read(line, [&](Handle&, std::string l, std::string) { got = l; });
  RawPeer peer(b);
  peer.write(wire);
  EXPECT_TRUE(run_until([&] { return !got.empty(); }));
  EXPECT_EQ(so.errors, 0);
  return {got, server.filter() ? std::string(server.filter()->name()) : ""};
}

TEST_P(FilterTest, TlsAutostartFeedsTheBufferedBytesToTheFilter) {
  // Hello and data in one write: both are in rbuf when tls_autostart decides.
  auto [got, filter] = serve_autostart(ToyFilter::hello(kKey) + ToyFilter::record(kKey, "tls\n"));
  EXPECT_EQ(got, "tls");
  EXPECT_EQ(filter, "toy");
}

TEST_P(FilterTest, TlsAutostartLeavesPlainTextAlone) {
  auto [got, filter] = serve_autostart("GET / HTTP/1.0\n");
  EXPECT_EQ(got, "GET / HTTP/1.0");
  EXPECT_EQ(filter, "");
}

TEST_P(FilterTest, StoptlsReturnsBothSidesToPlainText) {
  auto [a, b] = unix_pair();
  Outcome co, so;
  Handle::Options copts = watch(co);
  copts.tls = toy(ToyRole::kClient);
  copts.on_stoptls = [&](Handle&) { ++co.stoptls; };
  Handle client(a, std::move(copts));
  Handle::Options sopts = watch(so);
  sopts.tls = toy(ToyRole::kServer);
  sopts.on_stoptls = [&](Handle&) { ++so.stoptls; };
  Handle server(b, std::move(sopts));

  std::vector<std::string> lines;
  auto collect = [&](Handle& h, std::string l, std::string) {
    lines.push_back(l);
    h.push_read(line, [&](Handle&, std::string l, std::string) { lines.push_back(l); });
  };
  server.push_read(line, collect);
  client.push_write("filtered\n");
  ASSERT_TRUE(run_until([&] { return lines.size() == 1; }));
  client.stoptls();
  ASSERT_TRUE(run_until([&] { return co.stoptls == 1 && so.stoptls == 1; }));
  EXPECT_EQ(client.filter(), nullptr);
  EXPECT_EQ(server.filter(), nullptr);
  client.push_write("plain\n");
  ASSERT_TRUE(run_until([&] { return lines.size() == 2; }));
  EXPECT_EQ(lines[1], "plain");
  EXPECT_EQ(co.errors + so.errors + co.eof + so.eof, 0);
}

TEST_P(FilterTest, APeerCloseWithoutOnStoptlsIsEndOfFile) {
  auto [a, b] = unix_pair();
  Outcome so;
  Handle server(a, watch(so));
  server.starttls(std::make_unique<ToyFilter>(ToyRole::kServer, kKey));
  server.start_read();
  RawPeer peer(b);
  peer.write(ToyFilter::hello(kKey) + ToyFilter::record(kKey, "x") + ToyFilter::close_record());
  ASSERT_TRUE(run_until([&] { return so.eof == 1; }));
  EXPECT_EQ(server.rbuf().view(), "x");
}

// A server Handle with a toy filter, fed `wire` by a raw peer that then half-closes if
// `then_eof`; runs until the handshake's outcome is reported somewhere.
struct Handshake {
  Outcome o;
  bool destroyed = false;
  bool filter_left = false;
};
Handshake handshake(const std::string& wire, bool use_on_starttls, bool then_eof = false) {
  auto [a, b] = unix_pair();
  Handshake r;
  Handle server(a, watch(r.o));
  if (use_on_starttls) watch_starttls(r.o, server);
  server.starttls(std::make_unique<ToyFilter>(ToyRole::kServer, kKey));
  server.start_read();
  RawPeer peer(b);
  peer.write(wire);
  if (then_eof) peer.shutdown_write();
  EXPECT_TRUE(run_until([&] { return r.o.errors > 0 || r.o.starttls > 0; }));
  r.destroyed = server.destroyed();
  r.filter_left = server.filter() != nullptr;
  return r;
}

TEST_P(FilterTest, AHandshakeFailureIsFatalEproto) {
  Handshake r = handshake(ToyFilter::hello(kKey + 1), false);  // the wrong key
  EXPECT_TRUE(r.o.fatal);
  EXPECT_EQ(r.o.error, std::errc::protocol_error);
  EXPECT_NE(r.o.error_message.find("key mismatch"), std::string::npos);
  EXPECT_TRUE(r.destroyed);
}

TEST_P(FilterTest, WithOnStarttlsAHandshakeFailureGoesThereInstead) {
  Handshake r = handshake(ToyFilter::hello(kKey + 1), true);
  EXPECT_EQ(r.o.starttls, 1);
  EXPECT_FALSE(r.o.ok);
  EXPECT_EQ(r.o.ec, ToyError::kHandshakeFailure);
  EXPECT_NE(r.o.message.find("key mismatch"), std::string::npos);
  EXPECT_EQ(r.o.errors, 0);
  EXPECT_FALSE(r.destroyed);
  EXPECT_FALSE(r.filter_left);
}

TEST_P(FilterTest, EndOfFileDuringTheHandshakeFailsIt) {
  Handshake r = handshake(ToyFilter::hello(kKey).substr(0, 3), true, /*then_eof=*/true);
  EXPECT_EQ(r.o.starttls, 1);
  EXPECT_FALSE(r.o.ok);
  EXPECT_NE(r.o.message.find("EOF during handshake"), std::string::npos);
}

TEST_P(FilterTest, AFiltersSystemErrorKeepsItsCode) {
  auto [a, b] = unix_pair();
  Outcome so;
  Handle::Options opts = watch(so);
  opts.tls = toy(ToyRole::kServer, kKey, std::make_error_code(std::errc::connection_aborted));
  Handle server(a, std::move(opts));
  RawPeer peer(b);
  peer.write("anything");
  ASSERT_TRUE(run_until([&] { return so.errors > 0; }));
  EXPECT_TRUE(so.fatal);
  EXPECT_EQ(so.error, std::errc::connection_aborted);
}

TEST_P(FilterTest, AFactoryThatMakesNoFilterIsFatalEproto) {
  auto [a, b] = unix_pair();
  Outcome so;
  Handle::Options opts = watch(so);
  opts.tls = [](Handle&) { return std::unique_ptr<StreamFilter>(); };
  Handle server(a, std::move(opts));
  ASSERT_TRUE(run_until([&] { return so.errors > 0; }));
  EXPECT_EQ(so.error, std::errc::protocol_error);
  ::close(b);
}

INSTANTIATE_TEST_SUITE_P(Backends, FilterTest, ::testing::ValuesIn(main_backends()), backend_name);

}  // namespace
}  // namespace ae::testing
