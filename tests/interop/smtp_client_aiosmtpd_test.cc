// The smtp_client example against aiosmtpd (Debian's python3-aiosmtpd), started on loopback by
// each test with its Maildir handler, and the message then found in that Maildir.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/examples/support/process.h"

namespace ae::examples_test {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class SmtpClientAiosmtpdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    maildir_ =
        temp_dir("mail") + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    port_ = free_port();
    server_ = std::make_unique<Process>(std::vector<std::string>{
        "/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_),
        "-c", "aiosmtpd.handlers.Mailbox", maildir_});
    ASSERT_TRUE(wait_for_port(port_)) << "aiosmtpd did not start: " << server_->err();
  }

  void TearDown() override { server_->stop(SIGTERM); }

  Outcome send(std::vector<std::string> args, const std::string& body) {
    std::vector<std::string> argv = {example("smtp_client"), "--server",
                                     "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, body);
  }

  std::vector<std::string> delivered() const { return files_in(maildir_ + "/new"); }

  std::string maildir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> server_;
};

TEST_F(SmtpClientAiosmtpdTest, DeliversAMessageThatTheMailboxThenHolds) {
  const std::string body =
      "Dear Bob,\n.\n.a line that starts with a dot\n..and one with two\n\nbest, Alice\n";
  Outcome r = send({"--from", "alice@example.org", "--to", "bob@example.org", "--to",
                    "carol@example.org", "--subject", "interop works"},
                   body);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "accepted for 2 of 2 recipients: 250 OK\n");
  std::vector<std::string> mail = delivered();
  ASSERT_EQ(mail.size(), 1u);
  std::string message = read_file(mail[0]);
  EXPECT_TRUE(contains(message, "From: alice@example.org\n")) << message;
  EXPECT_TRUE(contains(message, "To: bob@example.org, carol@example.org\n")) << message;
  EXPECT_TRUE(contains(message, "Subject: interop works\n")) << message;
  EXPECT_TRUE(contains(message, "X-MailFrom: alice@example.org\n")) << message;
  EXPECT_TRUE(contains(message, "X-RcptTo: bob@example.org, carol@example.org\n")) << message;
  // The server undid the dot-stuffing: the body is exactly what was sent.
  EXPECT_TRUE(message.ends_with("\n\n" + body)) << message;
}

TEST_F(SmtpClientAiosmtpdTest, ReadsAiosmtpdsMultiLineRepliesLineByLine) {
  Outcome r = send({"--verbose", "--from", "a@example.org", "--to", "b@example.org"}, "hi\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "C: EHLO localhost\nS: 250-")) << r.err;
  EXPECT_TRUE(contains(r.err, "S: 250 HELP\nC: MAIL FROM:<a@example.org>\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "S: 354 End data with <CR><LF>.<CR><LF>\n")) << r.err;
  EXPECT_TRUE(contains(r.err, "C: QUIT\nS: 221 Bye\n")) << r.err;
  EXPECT_EQ(delivered().size(), 1u);
}

TEST_F(SmtpClientAiosmtpdTest, ARawMessageKeepsItsOwnHeadersAndBytes) {
  const std::string message =
      "Subject: raw \xc3\xa4\nX-Custom: kept\n\nGr\xc3\xbc\xc3\x9f"
      "e\n";
  Outcome r = send({"--raw", "--from", "a@example.org", "--to", "b@example.org"}, message);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> mail = delivered();
  ASSERT_EQ(mail.size(), 1u);
  std::string got = read_file(mail[0]);
  EXPECT_TRUE(contains(got, "X-Custom: kept\n")) << got;
  EXPECT_TRUE(
      got.ends_with("\n\nGr\xc3\xbc\xc3\x9f"
                    "e\n"))
      << got;
}

TEST_F(SmtpClientAiosmtpdTest, ALineTooLongForSmtpIsRefusedByTheServerAndNotDelivered) {
  Outcome r =
      send({"--from", "a@example.org", "--to", "b@example.org"}, std::string(5000, 'x') + "\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the server refused the message: 500 Line too long")) << r.err;
  EXPECT_EQ(delivered().size(), 0u);
}

}  // namespace
}  // namespace ae::examples_test
