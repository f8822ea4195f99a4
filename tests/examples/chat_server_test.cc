// The chat_server example: broadcasting, nicks and commands, and its limits against clients that
// send too much or read too little.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/examples/support/client.h"
#include "tests/examples/support/process.h"

namespace ae::examples_test {
namespace {

using std::chrono::milliseconds;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

long rss_kib(pid_t pid) {
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  std::size_t at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}

class ChatServerTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    server_ = Process::start_server("chat_server", std::move(args));
  }
  // A client that has read its welcome.
  std::unique_ptr<TestClient> join() {
    auto c = std::make_unique<TestClient>(server_->port());
    EXPECT_TRUE(c->read_until("others here.\r\n"));
    c->clear();
    return c;
  }
  std::unique_ptr<Process> server_;
};

TEST_F(ChatServerTest, ALineGoesToEveryoneElse) {
  start();
  auto a = join();
  auto b = join();
  auto c = join();
  ASSERT_TRUE(a->send("hello all\n"));
  EXPECT_TRUE(b->read_until("<guest1> hello all\r\n"));
  EXPECT_TRUE(c->read_until("<guest1> hello all\r\n"));
  // a hears its own line only through the others' answers.
  ASSERT_TRUE(b->send("hi\r\n"));
  EXPECT_TRUE(a->read_until("<guest2> hi\r\n"));
  EXPECT_FALSE(contains(a->received(), "hello all"));
}

TEST_F(ChatServerTest, JoinsLeavesAndNickChangesAreAnnounced) {
  start();
  auto a = join();
  auto b = join();
  EXPECT_TRUE(a->read_until("* guest2 joined\r\n"));
  ASSERT_TRUE(b->send("/nick bob\n"));
  EXPECT_TRUE(b->read_until("* you are now bob\r\n"));
  EXPECT_TRUE(a->read_until("* guest2 is now known as bob\r\n"));
  ASSERT_TRUE(b->send("/quit\n"));
  EXPECT_TRUE(b->read_until("* bye\r\n"));
  EXPECT_TRUE(b->wait_closed());
  EXPECT_TRUE(a->read_until("* bob left (quit)\r\n"));
  EXPECT_TRUE(server_->wait_for_err("guest2 is now bob"));
}

TEST_F(ChatServerTest, NicksMustBeValidAndUnique) {
  start();
  auto a = join();
  auto b = join();
  ASSERT_TRUE(a->send("/nick alice\n"));
  ASSERT_TRUE(a->read_until("* you are now alice\r\n"));
  ASSERT_TRUE(b->send("/nick ALICE\n/nick no spaces\n/nick \n/nick " + std::string(30, 'n') +
                      "\n/nick b\xc3\xa4r\n"));
  EXPECT_TRUE(b->read_until("* the nick ALICE is taken\r\n"));
  // Every other attempt is refused as invalid ("no spaces" is one word too many: "no spaces").
  ASSERT_TRUE(b->send("/who\n"));
  EXPECT_TRUE(b->read_until("* here: alice, guest2\r\n"));
  std::size_t refusals = 0;
  for (std::size_t at = 0; (at = b->received().find("* a nick is 1-24", at)) != std::string::npos;
       ++at) {
    ++refusals;
  }
  EXPECT_EQ(refusals, 4u) << b->received();
}

TEST_F(ChatServerTest, CommandsMeWhoHelpAndUnknown) {
  start();
  auto a = join();
  auto b = join();
  ASSERT_TRUE(a->send("/me waves\n/who\n/help\n/frobnicate\n"));
  EXPECT_TRUE(b->read_until("* guest1 waves\r\n"));
  EXPECT_TRUE(a->read_until("* unknown command /frobnicate; try /help\r\n"));
  EXPECT_TRUE(contains(a->received(), "* here: guest1, guest2\r\n")) << a->received();
  EXPECT_TRUE(contains(a->received(), "* commands: /nick NAME, /me TEXT, /who, /quit, /help\r\n"));
}

TEST_F(ChatServerTest, ControlCharactersNeverReachOtherTerminals) {
  start();
  auto a = join();
  auto b = join();
  ASSERT_TRUE(a->send(std::string("clear\x1b[2J\x07 me\tnow\0!\n", 20)));
  EXPECT_TRUE(b->read_until("<guest1> clear?[2J? me now?!\r\n")) << b->received();
  // C1 controls (CSI 0x9B raw, and as UTF-8) too; UTF-8 text passes.
  ASSERT_TRUE(a->send("\x9b" "2J \xc2\x9b" "31m gr\xc3\xbc\xc3\x9f\n"));
  EXPECT_TRUE(b->read_until("<guest1> ?2J ?31m gr\xc3\xbc\xc3\x9f\r\n")) << b->received();
}

// Once 'unknown service "99999"': the message now says what is wrong with the port.
TEST(ChatServerCommandLineTest, AListenPortOutOfRangeIsAUsageErrorThatSaysSo) {
  Outcome r = run({example("chat_server"), "--listen", "127.0.0.1:99999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "bad value for --listen \"127.0.0.1:99999\": port 99999 is out of "
                              "range (0-65535)"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "unknown service")) << r.err;
}

TEST_F(ChatServerTest, ALineOverTheLimitDisconnectsOnlyItsSender) {
  start({"--max-line", "100"});
  auto a = join();
  auto b = join();
  ASSERT_TRUE(a->send(std::string(5000, 'L') + "\n"));
  EXPECT_TRUE(a->wait_closed());
  EXPECT_TRUE(b->read_until("* guest1 left (line too long)\r\n")) << b->received();
  EXPECT_FALSE(contains(b->received(), "LLLL"));
}

// A client that never reads is disconnected once --max-queue bytes wait for it; the others go
// on, and the server's memory stays bounded meanwhile.
TEST_F(ChatServerTest, AClientThatDoesNotReadIsDisconnectedWithBoundedMemory) {
  start({"--max-queue", "65536", "--quiet"});
  auto stalled = join();
  auto talker = join();
  auto listener = join();
  long rss_before = rss_kib(server_->pid());
  const std::string text(1000, 't');
  bool dropped = false;
  for (int batch = 0; batch < 400 && !dropped; ++batch) {
    std::string lines;
    for (int i = 0; i < 100; ++i) lines += text + "\n";
    lines += "/me finished batch " + std::to_string(batch) + "\n";
    ASSERT_TRUE(talker->send(lines));
    std::string mark = "* guest2 finished batch " + std::to_string(batch) + "\r\n";
    ASSERT_TRUE(listener->read_until(mark)) << batch;
    dropped = contains(listener->received(), "* guest1 left (too slow");
    listener->clear();
  }
  EXPECT_TRUE(dropped) << "the stalled client was never disconnected";
#if !defined(__SANITIZE_ADDRESS__)
  // (Under AddressSanitizer freed memory stays in quarantine, so RSS follows the total allocated,
  // not what is live, and says nothing here.)
  EXPECT_LT(rss_kib(server_->pid()) - rss_before, 16 * 1024);
#else
  (void)rss_before;
#endif
  EXPECT_TRUE(stalled->wait_closed(milliseconds(10000)));
}

TEST_F(ChatServerTest, ClientsBeyondTheLimitAreTurnedAway) {
  start({"--max-clients", "1"});
  auto a = join();
  TestClient b(server_->port());
  EXPECT_TRUE(b.read_until("* the server is full; try again later\r\n"));
  EXPECT_TRUE(b.wait_closed());
}

TEST_F(ChatServerTest, IdleClientsAreDisconnectedWhenAsked) {
  start({"--idle-timeout", "0.3"});
  auto a = join();
  EXPECT_TRUE(a->wait_closed(milliseconds(5000)));
  EXPECT_TRUE(server_->wait_for_err("left (idle)"));
}

}  // namespace
}  // namespace ae::examples_test
