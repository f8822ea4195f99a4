// The https_server and https_client examples, run as programs: client and curl against the
// server, a client certificate the server requires, and the failures a client reports.
#include <sys/wait.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tests/tls/support/pki.h"
#include "tests/tls/support/tls_test_util.h"

namespace ae::testing {
namespace {

std::string program(const std::string& name) { return runfile("examples/https/" + name); }

class HttpsExampleTest : public LoopTest {
 protected:
  // Starts https_server with `args` on a port the kernel picks; returns "https://localhost:PORT".
  std::string start(std::vector<std::string> args) {
    std::vector<std::string> argv = {program("https_server"), "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    server_ = std::make_unique<Process>(argv);
    EXPECT_TRUE(run_until([&] {
      return server_->out().find('\n') != std::string::npos || server_->exited();
    })) << server_->err();
    std::string line = server_->out().substr(0, server_->out().find('\n'));
    port_ = line.substr(line.rfind(':') + 1);
    return "https://localhost:" + port_;
  }
  std::unique_ptr<Process> server_;
  std::string port_;
};

TEST_P(HttpsExampleTest, TheClientAndCurlFetchFromTheServer) {
  std::string base = start({"--cert", pki().server.cert_file, "--key", pki().server.key_file});
  Outcome ae = run({program("https_client"), "--cacert", pki().ca.cert_file, "-v", base + "/x"});
  EXPECT_EQ(ae.exit_code, 0) << ae.err;
  EXPECT_NE(ae.out.find("HTTP/1.1 200 OK"), std::string::npos) << ae.out;
  EXPECT_NE(ae.out.find("path: /x"), std::string::npos) << ae.out;
  EXPECT_NE(ae.out.find("server name (SNI): localhost"), std::string::npos) << ae.out;
  EXPECT_NE(ae.err.find("TLSv1.3"), std::string::npos) << ae.err;

  Outcome curl = run({"curl", "--silent", "--show-error", "--cacert", pki().ca.cert_file,
                      "--tlsv1.2", "--tls-max", "1.2", base + "/from-curl"});
  EXPECT_EQ(curl.exit_code, 0) << curl.err;
  EXPECT_NE(curl.out.find("protocol: TLSv1.2"), std::string::npos) << curl.out;
  EXPECT_NE(curl.out.find("application protocol (ALPN): http/1.1"), std::string::npos) << curl.out;
}

// curl --http1.0 offers ALPN "http/1.0" only: the server goes on without ALPN and answers.
TEST_P(HttpsExampleTest, AClientWithoutACommonAlpnProtocolIsServed) {
  std::string base = start({"--cert", pki().server.cert_file, "--key", pki().server.key_file});
  Outcome curl = run({"curl", "--silent", "--show-error", "--http1.0", "--cacert",
                      pki().ca.cert_file, base + "/old"});
  EXPECT_EQ(curl.exit_code, 0) << curl.err;
  EXPECT_NE(curl.out.find("path: /old"), std::string::npos) << curl.out;
  EXPECT_NE(curl.out.find("application protocol (ALPN): -"), std::string::npos) << curl.out;
}

// A 40 000-byte path (within the server's 64 KiB head limit) once overflowed the stack of a
// backtracking regex in the server.
TEST_P(HttpsExampleTest, TheServerAnswersARequestWithAVeryLongPath) {
  std::string base = start({"--cert", pki().server.cert_file, "--key", pki().server.key_file});
  const std::string path = "/" + std::string(40000, 'p');
  Outcome ae = run({program("https_client"), "--cacert", pki().ca.cert_file, base + path});
  EXPECT_EQ(ae.exit_code, 0) << ae.err;
  EXPECT_NE(ae.out.find("path: " + path + "\n"), std::string::npos);
  EXPECT_FALSE(server_->exited()) << server_->err();
}

TEST_P(HttpsExampleTest, TheClientSaysWhyItRefusesAServer) {
  std::string base = start({"--cert", pki().expired.cert_file, "--key", pki().expired.key_file});
  Outcome expired = run({program("https_client"), "--cacert", pki().ca.cert_file, base + "/"});
  EXPECT_EQ(expired.exit_code, 1);
  EXPECT_NE(expired.err.find("certificate has expired"), std::string::npos) << expired.err;
  Outcome untrusted = run({program("https_client"), base + "/"});  // the system store only
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_NE(untrusted.err.find("not signed by a trusted CA"), std::string::npos) << untrusted.err;
  Outcome insecure = run({program("https_client"), "--insecure", base + "/"});
  EXPECT_EQ(insecure.exit_code, 0) << insecure.err;
}

TEST_P(HttpsExampleTest, AServerThatRequiresAClientCertificateGetsOneFromCurl) {
  std::string base = start({"--cert", pki().server.cert_file, "--key", pki().server.key_file,
                            "--ca", pki().ca.cert_file, "--verify-client"});
  Outcome with = run({"curl", "--silent", "--show-error", "--cacert", pki().ca.cert_file, "--cert",
                      pki().client.cert_file, "--key", pki().client.key_file, base + "/"});
  EXPECT_EQ(with.exit_code, 0) << with.err;
  EXPECT_NE(with.out.find("client certificate: CN=ae test client"), std::string::npos) << with.out;
  Outcome without = run({program("https_client"), "--cacert", pki().ca.cert_file, base + "/"});
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_NE(without.err.find("certificate required"), std::string::npos) << without.err;
}

TEST_P(HttpsExampleTest, BadCommandLinesAreUsageErrors) {
  EXPECT_EQ(run({program("https_client"), "http://localhost/"}).exit_code, 2);
  EXPECT_EQ(run({program("https_client")}).exit_code, 2);
  EXPECT_EQ(run({program("https_server"), "--cert", "x.pem"}).exit_code, 2);
  Outcome missing = run({program("https_server"), "--cert", "/nonexistent.pem", "--key", "k"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent.pem"), std::string::npos) << missing.err;
}

INSTANTIATE_TEST_SUITE_P(Asio, HttpsExampleTest, ::testing::Values(std::string("asio")),
                         backend_name);

}  // namespace
}  // namespace ae::testing
