// The smtp_client example with --starttls against aiosmtpd requiring STARTTLS (RFC 3207), with a
// CA and server certificate this test makes with the openssl command: the message is found in the
// server's Maildir; an untrusted certificate or a client without --starttls delivers nothing.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/examples/support/process.h"

namespace ae::examples_test {
namespace {

// Runs the openssl command; fails the test when it fails.
void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  Outcome r = run(args);
  ASSERT_EQ(r.exit_code, 0) << args[1] << ": " << r.err;
}

class SmtpClientStarttlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(std::string("starttls-") +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    // A CA, and a server certificate it signs for the name and address the client uses.
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", dir_ + "/ca.key", "-out", dir_ + "/ca.pem", "-days", "2", "-subj",
             "/CN=ae test CA"});
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             dir_ + "/server.key", "-out", dir_ + "/server.csr", "-subj", "/CN=localhost"});
    write_file(dir_ + "/san.cnf", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl({"x509", "-req", "-in", dir_ + "/server.csr", "-CA", dir_ + "/ca.pem", "-CAkey",
             dir_ + "/ca.key", "-CAcreateserial", "-out", dir_ + "/server.pem", "-days", "2",
             "-extfile", dir_ + "/san.cnf"});
    maildir_ = dir_ + "/maildir";
    for (int attempt = 0; attempt < 5 && !server_; ++attempt) {
      port_ = free_port();
      server_ = std::make_unique<Process>(std::vector<std::string>{
          "/usr/bin/python3", runfile("tests/tls/smtpd_starttls.py"), "127.0.0.1",
          std::to_string(port_), dir_ + "/server.pem", dir_ + "/server.key", maildir_});
      if (!server_->wait_for_out("ready")) server_.reset();
    }
    ASSERT_TRUE(server_) << "aiosmtpd did not start";
  }

  void TearDown() override {
    if (server_) server_->stop(SIGTERM);
  }

  Outcome send(std::vector<std::string> args) {
    std::vector<std::string> argv = {example("smtp_client"),
                                     "--server",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "--from",
                                     "alice@example.org",
                                     "--to",
                                     "bob@example.org",
                                     "--subject",
                                     "over STARTTLS"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, "sent through ae::tls\n.a line with a leading dot\n");
  }

  std::string dir_;
  std::string maildir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> server_;
};

TEST_F(SmtpClientStarttlsTest, DeliversAfterSwitchingToTls) {
  Outcome r = send({"--starttls", "--cafile", dir_ + "/ca.pem", "--verbose"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("C: STARTTLS"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("-- TLS established"), std::string::npos) << r.err;
  // EHLO again inside TLS, as RFC 3207 asks; MAIL FROM only after that.
  std::size_t tls = r.err.find("-- TLS established");
  EXPECT_NE(r.err.find("C: EHLO", tls), std::string::npos) << r.err;
  EXPECT_GT(r.err.find("C: MAIL FROM"), tls) << r.err;
  std::vector<std::string> mail = files_in(maildir_ + "/new");
  ASSERT_EQ(mail.size(), 1u);
  std::string message = read_file(mail[0]);
  EXPECT_NE(message.find("Subject: over STARTTLS"), std::string::npos) << message;
  EXPECT_NE(message.find("\n.a line with a leading dot\n"), std::string::npos) << message;
}

TEST_F(SmtpClientStarttlsTest, AnUntrustedCertificateEndsTheSessionBeforeTheMessage) {
  // Without --cafile the system's store is used, which does not hold this test's CA.
  Outcome r = send({"--starttls"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("TLS handshake"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("certificate verify failed"), std::string::npos) << r.err;
  EXPECT_TRUE(files_in(maildir_ + "/new").empty());
}

TEST_F(SmtpClientStarttlsTest, APlainClientIsRefusedByAServerThatRequiresTls) {
  Outcome r = send({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("530"), std::string::npos) << r.err;
  EXPECT_TRUE(files_in(maildir_ + "/new").empty());
}

}  // namespace
}  // namespace ae::examples_test
