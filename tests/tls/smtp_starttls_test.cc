// STARTTLS in an SMTP dialogue (RFC 3207) against aiosmtpd (Debian's python3-aiosmtpd) with TLS
// required: the plain greeting and EHLO, STARTTLS on the live Handle, EHLO again inside TLS, and
// a message delivered into the server's Maildir.

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "handle/handle.h"
#include "tests/support/files.h"
#include "tests/tls/support/contexts.h"
#include "tests/tls/support/handle_support.h"
#include "tests/tls/support/tls_test_util.h"
#include "tls/tls.h"

namespace ae::testing {
namespace {

using namespace std::chrono_literals;

// One SMTP reply: the code and the text of every line.
struct Reply {
  int code = 0;
  std::vector<std::string> lines;
  std::string text() const {
    std::string t;
    for (const std::string& l : lines) t += l + "\n";
    return t;
  }
};

// Queues a reader for the next line of a reply; a line with '-' after the code queues the next
// one ahead of anything else (AnyEvent's tutorial does the same with unshift_read).
void read_reply_line(Handle& h, std::shared_ptr<Reply> reply, CondVar<Reply> done, bool front) {
  auto cb = [reply, done](Handle& h, std::string l, std::string) mutable {
    reply->lines.push_back(l);
    if (l.size() >= 4 && l[3] == '-') {
      read_reply_line(h, reply, done, true);
      return;
    }
    reply->code = l.size() >= 3 ? std::atoi(l.substr(0, 3).c_str()) : 0;
    done.send(*reply);
  };
  if (front) {
    h.unshift_read(line, std::move(cb));
  } else {
    h.push_read(line, std::move(cb));
  }
}

// Reads one (possibly multi-line) reply.
Reply read_reply(Handle& h) {
  CondVar<Reply> done;
  read_reply_line(h, std::make_shared<Reply>(), done, false);
  if (!done.wait_for(10s)) return Reply{};
  return done.recv();
}

Reply command(Handle& h, const std::string& cmd) {
  h.push_write(cmd + "\r\n");
  return read_reply(h);
}

class SmtpStarttlsTest : public LoopTest {};

TEST_P(SmtpStarttlsTest, SendsAMessageAfterStarttlsToAiosmtpd) {
  const std::string maildir = std::string(std::getenv("TEST_TMPDIR")) + "/maildir-" + GetParam();
  PortServer smtpd = start_on_free_port([&](std::uint16_t port) {
    return std::vector<std::string>{"/usr/bin/python3",
                                    runfile("tests/tls/smtpd_starttls.py"),
                                    "127.0.0.1",
                                    std::to_string(port),
                                    pki().server.cert_file,
                                    pki().server.key_file,
                                    maildir};
  });
  int port = smtpd.port;

  Events e;
  Handle h("127.0.0.1", std::to_string(port), record(e, {.peername = "localhost"}));
  record_starttls(e, h);
  Reply greeting = read_reply(h);
  ASSERT_EQ(greeting.code, 220) << greeting.text() << e.error_message;
  Reply ehlo = command(h, "EHLO client.ae.test");
  ASSERT_EQ(ehlo.code, 250) << ehlo.text();
  EXPECT_NE(ehlo.text().find("STARTTLS"), std::string::npos) << ehlo.text();
  Reply refused = command(h, "MAIL FROM:<sender@ae.test>");
  EXPECT_EQ(refused.code, 530) << "the server must insist on TLS first: " << refused.text();

  Reply go = command(h, "STARTTLS");
  ASSERT_EQ(go.code, 220) << go.text();
  h.starttls(std::make_unique<tls::Filter>(client_context(), tls::Role::kConnect, "localhost"));
  // RFC 3207: after TLS the client forgets what it knew and says EHLO again.
  Reply ehlo2 = command(h, "EHLO client.ae.test");
  ASSERT_EQ(ehlo2.code, 250) << ehlo2.text() << e.error_message << e.starttls_message;
  EXPECT_EQ(e.starttls, 1);
  EXPECT_TRUE(e.starttls_ok) << e.starttls_message;
  EXPECT_EQ(ehlo2.text().find("STARTTLS"), std::string::npos) << "offered again inside TLS";
  tls::Filter* f = tls::Filter::of(h.filter());
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->peer_certificate().common_name(), "localhost");

  EXPECT_EQ(command(h, "MAIL FROM:<sender@ae.test>").code, 250);
  EXPECT_EQ(command(h, "RCPT TO:<rcpt@ae.test>").code, 250);
  EXPECT_EQ(command(h, "DATA").code, 354);
  Reply queued = command(h,
                         "From: sender@ae.test\r\nTo: rcpt@ae.test\r\nSubject: over STARTTLS\r\n"
                         "\r\nsent through ae::tls\r\n..a dot-stuffed line\r\n.");
  EXPECT_EQ(queued.code, 250) << queued.text();
  EXPECT_EQ(command(h, "QUIT").code, 221);
  ASSERT_TRUE(run_until([&] { return e.eof > 0 || e.errors > 0; }));
  EXPECT_EQ(e.errors, 0) << e.error_message;

  std::vector<std::string> mail = files_in(maildir + "/new");
  ASSERT_EQ(mail.size(), 1u);
  std::ifstream in(mail[0]);
  std::stringstream body;
  body << in.rdbuf();
  EXPECT_NE(body.str().find("Subject: over STARTTLS"), std::string::npos) << body.str();
  EXPECT_NE(body.str().find("sent through ae::tls"), std::string::npos) << body.str();
  EXPECT_NE(body.str().find("\n.a dot-stuffed line"), std::string::npos) << body.str();
}

INSTANTIATE_TEST_SUITE_P(Backends, SmtpStarttlsTest, ::testing::ValuesIn(main_backends()),
                         backend_name);

}  // namespace
}  // namespace ae::testing
