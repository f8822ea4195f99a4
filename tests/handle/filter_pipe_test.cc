// FilterPipe alone, between two pipes that talk through the toy filter in memory: the handshake,
// bytes held back until it is done, the close when the write side shuts, the peer's close and a
// failure, each as the Step the Handle acts on.
#include "handle/internal/filter_pipe.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <system_error>

#include "tests/handle/toy_filter.h"

namespace ae::handle_internal {
namespace {

using ae::testing::ToyError;
using ae::testing::ToyFilter;
using ae::testing::ToyRole;

// One side: its buffers and its pipe.
struct Side {
  Buffer rbuf;
  Buffer wbuf;
  FilterPipe pipe{rbuf, wbuf};
  Buffer written_before;

  FilterPipe::Step install(ToyRole role, unsigned char key = 7) {
    return pipe.install(std::make_unique<ToyFilter>(role, key), false, written_before, false);
  }
  // Moves what this side wrote to `to` as if through the fd.
  FilterPipe::Step send_to(Side& to, bool close_when_sent = false) {
    std::string bytes(wbuf.view());
    wbuf.clear();
    return to.pipe.inbound(bytes, close_when_sent);
  }
  std::string take_read() {
    std::string s(rbuf.view());
    rbuf.clear();
    return s;
  }
};

TEST(FilterPipeTest, TheHandshakeIsSaidOnceOnEachSide) {
  Side client, server;
  EXPECT_FALSE(client.install(ToyRole::kClient).established);
  EXPECT_FALSE(server.install(ToyRole::kServer).established);
  EXPECT_EQ(client.wbuf.view(), ToyFilter::hello(7));
  EXPECT_TRUE(client.send_to(server).established);
  EXPECT_TRUE(server.send_to(client).established);
  EXPECT_FALSE(client.pipe.outbound("x", false).established);
  EXPECT_TRUE(client.pipe.active());
}

TEST(FilterPipeTest, InboundDecodesIntoRbufAndOutboundEncodesIntoWbuf) {
  Side client, server;
  client.install(ToyRole::kClient);
  server.install(ToyRole::kServer);
  client.send_to(server);
  server.send_to(client);
  FilterPipe::Step out = client.pipe.outbound("hello", false);
  EXPECT_EQ(out.decoded, 0u);
  EXPECT_EQ(client.wbuf.view(), ToyFilter::record(7, "hello"));
  FilterPipe::Step in = client.send_to(server);
  EXPECT_EQ(in.decoded, 5u);
  EXPECT_EQ(server.take_read(), "hello");
}

TEST(FilterPipeTest, BytesWrittenDuringTheHandshakeAreHeldBackAndCounted) {
  Side client, server;
  client.written_before.append("before");  // written while there was no filter yet
  client.install(ToyRole::kClient);
  EXPECT_TRUE(client.written_before.empty()) << "the pipe takes them over";
  client.pipe.outbound("during", false);
  EXPECT_EQ(client.pipe.pending_send(), 12u);
  EXPECT_EQ(client.wbuf.view(), ToyFilter::hello(7)) << "only the hello goes out";
  server.install(ToyRole::kServer);
  client.send_to(server);
  server.send_to(client);
  EXPECT_EQ(client.pipe.pending_send(), 0u);
  client.send_to(server);
  EXPECT_EQ(server.take_read(), "beforeduring");
}

TEST(FilterPipeTest, InstallFeedsTheFilterWhatRbufAlreadyHolds) {
  Side client, server;
  client.install(ToyRole::kClient);
  server.rbuf.append(client.wbuf.view());  // read before the filter was there (tls_detect)
  client.wbuf.clear();
  FilterPipe::Step s = server.install(ToyRole::kServer);
  EXPECT_TRUE(s.established);
  EXPECT_TRUE(server.rbuf.empty());
  EXPECT_EQ(server.wbuf.view(), ToyFilter::hello(7));
}

TEST(FilterPipeTest, AShutWriteSideClosesOnceEverythingWrittenIsEncoded) {
  Side client, server;
  client.install(ToyRole::kClient);
  server.install(ToyRole::kServer);
  FilterPipe::Step early = client.pipe.outbound("last words", true);
  EXPECT_FALSE(early.close_started) << "held-back bytes go first";
  EXPECT_FALSE(client.pipe.closing());
  client.send_to(server);
  FilterPipe::Step done = server.send_to(client, true);
  EXPECT_TRUE(done.established);
  EXPECT_TRUE(done.close_started);
  EXPECT_TRUE(client.pipe.closing());
  EXPECT_TRUE(client.pipe.close_sent());
  EXPECT_EQ(client.wbuf.view(), ToyFilter::record(7, "last words") + ToyFilter::close_record());
}

TEST(FilterPipeTest, ThePeersCloseEndsTheFilterAndWhatFollowsIsPlain) {
  Side client, server;
  client.install(ToyRole::kClient);
  server.install(ToyRole::kServer);
  client.send_to(server);
  server.send_to(client);
  FilterPipe::Step closing = client.pipe.close();
  EXPECT_TRUE(closing.close_started);
  EXPECT_TRUE(client.pipe.closing());
  client.wbuf.append("plain again");
  FilterPipe::Step ended = client.send_to(server);
  EXPECT_TRUE(ended.ended);
  EXPECT_FALSE(ended.error);
  EXPECT_FALSE(ended.outcome_unsaid);
  EXPECT_EQ(ended.decoded, 11u);
  EXPECT_EQ(server.take_read(), "plain again");
  EXPECT_FALSE(server.pipe.active());
  EXPECT_EQ(server.wbuf.view(), ToyFilter::close_record()) << "the close is answered";
  FilterPipe::Step answered = server.send_to(client);
  EXPECT_TRUE(answered.ended);
  EXPECT_FALSE(client.pipe.active());
  EXPECT_FALSE(client.pipe.closing());
}

TEST(FilterPipeTest, AFailureEndsTheFilterWithItsErrorAndSaysTheHandshakeNeverFinished) {
  Side client, server;
  client.install(ToyRole::kClient, 7);
  server.install(ToyRole::kServer, 8);
  FilterPipe::Step failed = client.send_to(server);
  EXPECT_TRUE(failed.ended);
  EXPECT_EQ(failed.error, make_error_code(ToyError::kHandshakeFailure));
  EXPECT_NE(failed.message.find("key mismatch"), std::string::npos) << failed.message;
  EXPECT_TRUE(failed.outcome_unsaid);
  EXPECT_FALSE(server.pipe.active());
  EXPECT_EQ(server.pipe.outbound("ignored", true).ended, false) << "no filter: nothing happens";
}

TEST(FilterPipeTest, EndOfFileDuringTheHandshakeIsTheFiltersFailure) {
  Side server;
  server.install(ToyRole::kServer);
  FilterPipe::Step s = server.pipe.inbound_eof(false);
  EXPECT_TRUE(s.ended);
  EXPECT_EQ(s.error, make_error_code(ToyError::kUnexpectedEof));
}

TEST(FilterPipeTest, ResetDropsTheFilterWithoutAClose) {
  Side client;
  client.install(ToyRole::kClient);
  client.wbuf.clear();
  client.pipe.reset();
  EXPECT_FALSE(client.pipe.active());
  EXPECT_EQ(client.pipe.filter(), nullptr);
  EXPECT_EQ(client.pipe.pending_send(), 0u);
  EXPECT_TRUE(client.wbuf.empty());
}

TEST(FilterPipeTest, AFilterErrorBecomesEprotoUnlessItIsAlreadyEprotoOrAnErrno) {
  EXPECT_EQ(FilterPipe::fatal_code(make_error_code(ToyError::kBadRecord)),
            std::errc::protocol_error);
  EXPECT_EQ(FilterPipe::fatal_code(std::make_error_code(std::errc::connection_reset)),
            std::make_error_code(std::errc::connection_reset));
  EXPECT_EQ(FilterPipe::fatal_code(std::make_error_code(std::errc::protocol_error)),
            std::make_error_code(std::errc::protocol_error));
}

}  // namespace
}  // namespace ae::handle_internal
