// The smtp_client example against SMTP peers in the test process: multi-line replies, refusals,
// fallbacks, and servers that break off, babble or stall.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/examples/support/fake_server.h"
#include "tests/examples/support/process.h"
#include "tests/support/black_hole.h"

namespace ae::examples_test {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// A scripted SMTP server: sends `greeting`, then answers each command line with reply(command)
// (an empty reply closes the connection instead), collects the DATA section, and closes after
// QUIT.
class SmtpPeer {
 public:
  std::string greeting = "220-smtp.test ESMTP\r\n220 ready when you are\r\n";
  std::function<std::string(const std::string&)> reply = [](const std::string& command) {
    if (command.starts_with("EHLO"))
      return std::string("250-smtp.test\r\n250-PIPELINING\r\n250 HELP\r\n");
    if (command == "DATA") return std::string("354 go ahead\r\n");
    if (command == "QUIT") return std::string("221 bye\r\n");
    return std::string("250 ok\r\n");
  };
  std::vector<std::string> commands;
  std::string data;  // as received, dot-stuffing and terminator included

  std::string address() const { return server_.address(); }

 private:
  void next_command(Handle& h) {
    h.push_read(line, [this](Handle& h, std::string command, std::string) {
      commands.push_back(command);
      std::string answer = reply(command);
      if (answer.empty()) return h.destroy();
      h.push_write(answer);
      if (command == "QUIT") return h.push_shutdown();
      if (command == "DATA" && answer.starts_with("354")) {
        h.push_read(ae::line("\r\n.\r\n"), [this](Handle& h, std::string body, std::string eol) {
          data = body + eol;
          h.push_write("250 queued as 42\r\n");
          next_command(h);
        });
        return;
      }
      next_command(h);
    });
  }

  FakeServer server_{[this](Handle& h) {
    h.push_write(greeting);
    next_command(h);
  }};
};

std::vector<std::string> smtp_client(const SmtpPeer& peer, std::vector<std::string> more) {
  std::vector<std::string> argv = {example("smtp_client"), "--server", peer.address(), "--from",
                                   "alice@example.org"};
  argv.insert(argv.end(), more.begin(), more.end());
  return argv;
}

TEST(SmtpClientTest, ReadsMultiLineRepliesAndSendsADotStuffedMessage) {
  SmtpPeer peer;
  Outcome r = run(smtp_client(peer, {"--to", "bob@example.org", "--subject", "dots"}),
                  ".leading dot\n..two dots\n.\nlast line without end");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "accepted for 1 of 1 recipients: 250 queued as 42\n");
  EXPECT_EQ(peer.commands,
            (std::vector<std::string>{"EHLO localhost", "MAIL FROM:<alice@example.org>",
                                      "RCPT TO:<bob@example.org>", "DATA", "QUIT"}));
  EXPECT_TRUE(contains(peer.data,
                       "From: alice@example.org\r\nTo: bob@example.org\r\n"
                       "Subject: dots\r\nDate: "))
      << peer.data;
  EXPECT_TRUE(contains(peer.data,
                       "\r\n\r\n..leading dot\r\n...two dots\r\n..\r\n"
                       "last line without end\r\n.\r\n"))
      << peer.data;
}

TEST(SmtpClientTest, VerboseShowsTheDialogueLineByLine) {
  SmtpPeer peer;
  Outcome r = run(smtp_client(peer, {"--verbose", "--to", "bob@example.org"}), "hi\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "S: 220-smtp.test ESMTP\nS: 220 ready when you are\n"
                       "C: EHLO localhost\nS: 250-smtp.test\nS: 250-PIPELINING\n"
                       "S: 250 HELP\n"))
      << r.err;
}

TEST(SmtpClientTest, FallsBackToHeloWhenEhloIsUnknown) {
  SmtpPeer peer;
  peer.reply = [](const std::string& c) {
    if (c.starts_with("EHLO")) return std::string("502 what is EHLO?\r\n");
    if (c == "DATA") return std::string("354 go\r\n");
    return std::string("250 ok\r\n");
  };
  Outcome r = run(smtp_client(peer, {"--helo", "client.test", "--to", "bob@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GE(peer.commands.size(), 2u);
  EXPECT_EQ(peer.commands[0], "EHLO client.test");
  EXPECT_EQ(peer.commands[1], "HELO client.test");
}

TEST(SmtpClientTest, ARefusedRecipientIsReportedAndTheOthersGetTheMessage) {
  SmtpPeer peer;
  auto standard = peer.reply;
  peer.reply = [standard](const std::string& c) {
    if (c == "RCPT TO:<nobody@example.org>") return std::string("550 no such user\r\n");
    return standard(c);
  };
  Outcome r =
      run(smtp_client(peer, {"--to", "bob@example.org", "--to", "nobody@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "recipient nobody@example.org refused: 550 no such user")) << r.err;
  EXPECT_EQ(r.out, "accepted for 1 of 2 recipients: 250 queued as 42\n");
  EXPECT_FALSE(peer.data.empty());
}

TEST(SmtpClientTest, WhenEveryRecipientIsRefusedNoDataIsSent) {
  SmtpPeer peer;
  auto standard = peer.reply;
  peer.reply = [standard](const std::string& c) {
    if (c.starts_with("RCPT")) return std::string("550-no\r\n550 really not\r\n");
    return standard(c);
  };
  Outcome r = run(smtp_client(peer, {"--to", "x@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "recipient x@example.org refused: 550 no / really not")) << r.err;
  EXPECT_TRUE(contains(r.err, "refused every recipient")) << r.err;
  EXPECT_EQ(peer.commands.back(), "QUIT");
  for (const std::string& c : peer.commands) EXPECT_NE(c, "DATA");
}

TEST(SmtpClientTest, ARefusedSenderEndsTheSessionWithQuit) {
  SmtpPeer peer;
  auto standard = peer.reply;
  peer.reply = [standard](const std::string& c) {
    if (c.starts_with("MAIL")) return std::string("553 sender not allowed\r\n");
    return standard(c);
  };
  Outcome r = run(smtp_client(peer, {"--to", "bob@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the server refused MAIL FROM: 553 sender not allowed")) << r.err;
  EXPECT_EQ(peer.commands.back(), "QUIT");
}

TEST(SmtpClientTest, AMessageOverTheServersSizeLimitIsNotSent) {
  SmtpPeer peer;
  auto standard = peer.reply;
  peer.reply = [standard](const std::string& c) {
    if (c.starts_with("EHLO")) return std::string("250-smtp.test\r\n250 SIZE 500\r\n");
    return standard(c);
  };
  Outcome r = run(smtp_client(peer, {"--to", "bob@example.org"}), std::string(2000, 'x'));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the server takes at most 500")) << r.err;
  EXPECT_EQ(peer.commands, (std::vector<std::string>{"EHLO localhost", "QUIT"}));
}

TEST(SmtpClientTest, TheSizeIsAnnouncedWhenTheServerOffersSize) {
  SmtpPeer peer;
  auto standard = peer.reply;
  peer.reply = [standard](const std::string& c) {
    if (c.starts_with("EHLO")) return std::string("250-smtp.test\r\n250 SIZE 0\r\n");
    return standard(c);
  };
  Outcome r = run(smtp_client(peer, {"--raw", "--to", "bob@example.org"}), "Subject: s\n\nabc\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The raw message, with CRLF line ends and the terminator: 22 bytes.
  EXPECT_EQ(peer.commands[1], "MAIL FROM:<alice@example.org> SIZE=22");
  EXPECT_EQ(peer.data, "Subject: s\r\n\r\nabc\r\n.\r\n");
}

TEST(SmtpClientTest, TheServerClosingMidDialogueIsAnError) {
  SmtpPeer peer;
  auto standard = peer.reply;
  peer.reply = [standard](const std::string& c) {
    return c.starts_with("MAIL") ? std::string() : standard(c);
  };
  Outcome r = run(smtp_client(peer, {"--to", "bob@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the server closed the connection (waiting for the reply to MAIL)"))
      << r.err;
}

TEST(SmtpClientTest, AMalformedReplyIsAnError) {
  SmtpPeer peer;
  peer.greeting = "hello there\r\n";
  Outcome r = run(smtp_client(peer, {"--to", "bob@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "malformed reply line \"hello there\" (waiting for the greeting)"))
      << r.err;
}

// A 40 000-byte line within the limit once overflowed the stack of a backtracking regex.
TEST(SmtpClientTest, ALongReplyLineWithinTheLimitIsRead) {
  SmtpPeer peer;
  peer.greeting = "220 " + std::string(40000, 'g') + "\r\n";
  Outcome r = run(smtp_client(peer, {"--to", "bob@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(peer.data.empty());
}

TEST(SmtpClientTest, AnEndlessReplyLineIsRefusedWithBoundedMemory) {
  SmtpPeer peer;
  peer.greeting = "220 " + std::string(8 << 20, 'z');
  Outcome r = run(smtp_client(peer, {"--to", "bob@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "a reply line longer than 65536 bytes")) << r.err;
}

TEST(SmtpClientTest, EndlessContinuationLinesAreRefused) {
  SmtpPeer peer;
  peer.greeting.clear();
  for (int i = 0; i < 1500; ++i) peer.greeting += "220-more\r\n";
  Outcome r = run(smtp_client(peer, {"--to", "bob@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "a reply of more than 1000 lines")) << r.err;
}

TEST(SmtpClientTest, ASilentServerTimesOut) {
  SmtpPeer peer;
  peer.greeting.clear();
  Outcome r = run(smtp_client(peer, {"--timeout", "0.3", "--to", "bob@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "no reply from the server within 0.3")) << r.err;
}

TEST(SmtpClientTest, WhileTheServerIsSilentItSaysWhatItIsWaitingFor) {
  SmtpPeer peer;
  peer.greeting.clear();
  // A third of --timeout (when under 5 s) between notices.
  Outcome r = run(smtp_client(peer, {"--timeout", "0.9", "--to", "bob@example.org"}), "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      contains(r.err, "still waiting for the greeting from " + peer.address() + " (0.3 s of 0.9)"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "no reply from the server within 0.9")) << r.err;
}

TEST(SmtpClientTest, AClosedPortIsAConnectError) {
  Outcome r = run({example("smtp_client"), "--server", "127.0.0.1:" + std::to_string(free_port()),
                   "--from", "a@b", "--to", "c@d"},
                  "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "connect: ")) << r.err;
}

TEST(SmtpClientTest, AServerThatNeverAnswersTheConnectTimesOut) {
  ae::testing::BlackHole hole;
  Outcome r = run({example("smtp_client"), "--timeout", "0.3", "--server", hole.hostport(),
                   "--from", "a@b", "--to", "c@d"},
                  "x\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "connect: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "timed out")) << r.err;
}

// "a b" is AnyEvent's "host port" form: once "a:b: unknown service" after a lookup.
TEST(SmtpClientTest, AServerThatIsNotHostPortIsAUsageErrorThatSaysWhy) {
  Outcome r = run({example("smtp_client"), "--server", "a b", "--to", "bob@example.org"}, "x\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err,
                       "bad --server \"a b\": \"b\" is not a port number (1-65535) or a "
                       "known service name"))
      << r.err;
  r = run({example("smtp_client"), "--server", "127.0.0.1:99999", "--to", "bob@example.org"},
          "x\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "port 99999 is out of range (1-65535)")) << r.err;
}

TEST(SmtpClientTest, HeaderAndCommandInjectionAreUsageErrors) {
  SmtpPeer peer;
  EXPECT_EQ(
      run(smtp_client(peer, {"--to", "bob@example.org", "--subject", "a\r\nBcc: x"}), "").exit_code,
      2);
  EXPECT_EQ(run(smtp_client(peer, {"--to", "bob@example.org>\r\nRCPT TO:<eve@example.org"}), "")
                .exit_code,
            2);
  EXPECT_EQ(run(smtp_client(peer, {}), "").exit_code, 2);  // no --to
  EXPECT_EQ(peer.commands.size(), 0u);
}

TEST(SmtpClientTest, AMessageOverMaxSizeIsNotSent) {
  SmtpPeer peer;
  Outcome r = run(smtp_client(peer, {"--max-size", "1000", "--to", "bob@example.org"}),
                  std::string(5000, 'm'));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "larger than --max-size")) << r.err;
  EXPECT_EQ(peer.commands.size(), 0u);
}

}  // namespace
}  // namespace ae::examples_test
