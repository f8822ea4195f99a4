// The http_get example against nginx (Debian's nginx-light), started on loopback by the test
// with its own configuration, document root, logs and temp paths under $TEST_TMPDIR.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "tests/examples/support/process.h"

namespace ae::examples_test {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// True when this machine can bind [::1].
bool have_ipv6_loopback() {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

class HttpGetNginxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = temp_dir("nginx");
    ::mkdir((dir_ + "/html").c_str(), 0755);
    ::mkdir((dir_ + "/html/dir with space").c_str(), 0755);
    ::mkdir((dir_ + "/html/sub").c_str(), 0755);
    write_file(dir_ + "/html/index.html", "<h1>hello from nginx</h1>\n");
    write_file(dir_ + "/html/dir with space/file.txt", "spaces are fine\n");
    write_file(dir_ + "/html/sub/index.html", "sub\n");
    std::mt19937 rng(3);
    big_ = std::string(5 << 20, '\0');
    for (char& c : big_) c = static_cast<char>(rng());
    write_file(dir_ + "/html/big.bin", big_);

    port_ = free_port();
    ipv6_ = have_ipv6_loopback();
    std::string listen = "    listen 127.0.0.1:" + std::to_string(port_) + ";\n";
    if (ipv6_) listen += "    listen [::1]:" + std::to_string(port_) + ";\n";
    // Run as the current user: when that is root, nginx would otherwise switch its workers to
    // "nobody", who cannot read $TEST_TMPDIR.
    std::string user = ::geteuid() == 0 ? "user root root;\n" : "";
    write_file(dir_ + "/nginx.conf", user +
                                         "worker_processes 1;\n"
                                         "pid " +
                                         dir_ +
                                         "/nginx.pid;\n"
                                         "error_log " +
                                         dir_ +
                                         "/error.log;\n"
                                         "events { worker_connections 64; }\n"
                                         "http {\n"
                                         "  access_log " +
                                         dir_ +
                                         "/access.log;\n"
                                         "  client_body_temp_path " +
                                         dir_ +
                                         "/body;\n"
                                         "  proxy_temp_path " +
                                         dir_ +
                                         "/proxy;\n"
                                         "  fastcgi_temp_path " +
                                         dir_ +
                                         "/fastcgi;\n"
                                         "  uwsgi_temp_path " +
                                         dir_ +
                                         "/uwsgi;\n"
                                         "  scgi_temp_path " +
                                         dir_ +
                                         "/scgi;\n"
                                         "  server {\n" +
                                         listen + "    root " + dir_ +
                                         "/html;\n"
                                         "  }\n"
                                         "}\n");
    nginx_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/sbin/nginx", "-c", dir_ + "/nginx.conf", "-p", dir_, "-e",
                                 dir_ + "/error.log", "-g", "daemon off;"});
    ASSERT_TRUE(wait_for_port(port_))
        << "nginx did not start: " << nginx_->err() << read_file(dir_ + "/error.log");
  }

  static void TearDownTestSuite() {
    if (nginx_) {
      EXPECT_TRUE(nginx_->stop(SIGTERM).has_value());
      nginx_.reset();
    }
  }

  static std::string url(std::string_view path) {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  static std::string dir_;
  static std::string big_;
  static std::uint16_t port_;
  static bool ipv6_;
  static std::unique_ptr<Process> nginx_;
};

std::string HttpGetNginxTest::dir_;
std::string HttpGetNginxTest::big_;
std::uint16_t HttpGetNginxTest::port_ = 0;
bool HttpGetNginxTest::ipv6_ = false;
std::unique_ptr<Process> HttpGetNginxTest::nginx_;

TEST_F(HttpGetNginxTest, PrintsNginxsStatusLineHeadersAndBodySize) {
  Outcome r = run({example("http_get"), url("/index.html")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.1 200 OK\nServer: nginx/")) << r.out;
  EXPECT_TRUE(contains(r.out, "\nContent-Length: 26\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "\nConnection: close\n")) << r.out;
  EXPECT_TRUE(r.out.ends_with("\n\nbody: 26 bytes\n")) << r.out;
  EXPECT_TRUE(contains(read_file(dir_ + "/access.log"),
                       "\"GET /index.html HTTP/1.0\" 200 26 \"-\" \"ae-http_get\""));
}

TEST_F(HttpGetNginxTest, ABodyOfSeveralMegabytesArrivesByteForByte) {
  Outcome r = run({example("http_get"), "--body", url("/big.bin")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::size_t end_of_head = r.out.find("\n\n");
  ASSERT_NE(end_of_head, std::string::npos);
  EXPECT_TRUE(contains(r.out.substr(0, end_of_head), "Content-Length: 5242880"));
  EXPECT_TRUE(r.out.compare(end_of_head + 2, std::string::npos, big_) == 0)
      << "the body differs from the file nginx served";
}

TEST_F(HttpGetNginxTest, AMissingFileIs404AndFailExitsWith3) {
  Outcome r = run({example("http_get"), url("/no-such-file")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.1 404 Not Found\n")) << r.out;
  r = run({example("http_get"), "--fail", url("/no-such-file")});
  EXPECT_EQ(r.exit_code, 3);
}

TEST_F(HttpGetNginxTest, ARedirectIsShownWithItsLocation) {
  Outcome r = run({example("http_get"), url("/sub")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.1 301 Moved Permanently\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "\nLocation: http://127.0.0.1:" + std::to_string(port_) + "/sub/\n"))
      << r.out;
}

TEST_F(HttpGetNginxTest, APathWithSpacesIsSentPercentEncoded) {
  Outcome r = run({example("http_get"), "--body", url("/dir with space/file.txt")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.1 200 OK\n")) << r.out;
  EXPECT_TRUE(r.out.ends_with("\n\nspaces are fine\n")) << r.out;
  EXPECT_TRUE(contains(read_file(dir_ + "/access.log"), "GET /dir%20with%20space/file.txt"));
}

TEST_F(HttpGetNginxTest, WorksOverIpv6Too) {
  if (!ipv6_) GTEST_SKIP() << "no IPv6 loopback on this machine";
  Outcome r = run({example("http_get"), "http://[::1]:" + std::to_string(port_) + "/"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.1 200 OK\n")) << r.out;
  EXPECT_TRUE(contains(read_file(dir_ + "/access.log"), "::1 - - ["));
}

TEST_F(HttpGetNginxTest, ManyClientsAtOnceAllGetTheirAnswer) {
  std::vector<std::unique_ptr<Process>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<Process>(std::vector<std::string>{
        example("http_get"), url("/index.html?client=" + std::to_string(i))}));
  }
  for (auto& c : clients) {
    std::optional<int> status = c->wait();
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0) << c->err();
    EXPECT_TRUE(c->out().ends_with("body: 26 bytes\n")) << c->out();
  }
}

}  // namespace
}  // namespace ae::examples_test
