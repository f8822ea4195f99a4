// ae-httpd, the program: static files with their MIME types, index.html, directory listings
// only with --list, no way out of the root (.., encoded dots, symbolic links), the access log
// in the common log format, TLS, FastCGI, and a clean stop on SIGTERM. curl is the client.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/examples/support/process.h"
#include "tests/support/files.h"

namespace ae::http_test {
namespace {

using examples_test::Outcome;
using examples_test::Process;
using examples_test::read_file;
using examples_test::run;
using examples_test::temp_dir;
using examples_test::write_file;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class AeHttpdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = temp_dir("ae-httpd");
    std::string www = dir_ + "/www";
    ::mkdir(www.c_str(), 0755);
    ::mkdir((www + "/docs").c_str(), 0755);
    ::mkdir((www + "/empty").c_str(), 0755);
    write_file(www + "/index.html", "<h1>home</h1>\n");
    std::string big(3 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 2654435761u >> 24);
    write_file(www + "/big.bin", big);
    write_file(www + "/style.css", "body{}\n");
    write_file(www + "/data.json", "{}\n");
    write_file(www + "/docs/a <b>.txt", "text\n");
    write_file(dir_ + "/secret.txt", "outside the root\n");
    ::symlink((dir_ + "/secret.txt").c_str(), (www + "/link-out").c_str());
    ::symlink((www + "/style.css").c_str(), (www + "/link-in.css").c_str());
  }

  static std::string fetch(const Process& server, const std::string& path,
                           std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{"/usr/bin/curl",
                                  "-sS",
                                  "--path-as-is",
                                  "-o",
                                  "/dev/null",
                                  "-w",
                                  "%{http_code} %{content_type}"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("http://" + server.address() + path);
    return run(argv).out;
  }

  static std::string dir_;
};

std::string AeHttpdTest::dir_;

TEST_F(AeHttpdTest, ServesFilesWithTheirTypesAndTheIndex) {
  auto server =
      Process::start_server("ae-httpd", {"--listen", "127.0.0.1:0", "--root", dir_ + "/www"});
  EXPECT_EQ(fetch(*server, "/"), "200 text/html; charset=utf-8");
  EXPECT_EQ(fetch(*server, "/style.css"), "200 text/css; charset=utf-8");
  EXPECT_EQ(fetch(*server, "/data.json"), "200 application/json");
  EXPECT_EQ(fetch(*server, "/docs/a%20%3Cb%3E.txt"), "200 text/plain; charset=utf-8");
  EXPECT_EQ(fetch(*server, "/link-in.css"), "200 text/css; charset=utf-8");
  EXPECT_EQ(fetch(*server, "/docs").substr(0, 3), "301");
  EXPECT_EQ(fetch(*server, "/nothing").substr(0, 3), "404");
  Outcome body = run({"/usr/bin/curl", "-sS", "http://" + server->address() + "/"});
  EXPECT_EQ(body.out, "<h1>home</h1>\n");
}

TEST_F(AeHttpdTest, NothingOutsideTheRootCanBeReached) {
  auto server =
      Process::start_server("ae-httpd", {"--listen", "127.0.0.1:0", "--root", dir_ + "/www"});
  for (const char* path :
       {"/../secret.txt", "/docs/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
        "/docs/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/link-out", "/%00", "/docs/%"}) {
    std::string got = fetch(*server, path);
    EXPECT_TRUE(got.starts_with("404") || got.starts_with("400")) << path << ": " << got;
  }
}

TEST_F(AeHttpdTest, ListsDirectoriesOnlyWithList) {
  auto plain =
      Process::start_server("ae-httpd", {"--listen", "127.0.0.1:0", "--root", dir_ + "/www"});
  EXPECT_EQ(fetch(*plain, "/docs/").substr(0, 3), "403");
  auto listing = Process::start_server(
      "ae-httpd", {"--listen", "127.0.0.1:0", "--root", dir_ + "/www", "--list"});
  Outcome r = run({"/usr/bin/curl", "-sS", "http://" + listing->address() + "/docs/"});
  EXPECT_TRUE(contains(r.out, "<a href=\"a%20%3Cb%3E.txt\">a &lt;b&gt;.txt</a>")) << r.out;
}

TEST_F(AeHttpdTest, LogsEachRequestInTheCommonLogFormat) {
  auto server =
      Process::start_server("ae-httpd", {"--listen", "127.0.0.1:0", "--root", dir_ + "/www"});
  fetch(*server, "/style.css");
  fetch(*server, "/nothing");
  ASSERT_TRUE(server->wait_for_out("\"GET /nothing HTTP/1.1\" 404 "));
  EXPECT_TRUE(contains(server->out(), "127.0.0.1 - - ["));
  EXPECT_TRUE(contains(server->out(), " +0000] \"GET /style.css HTTP/1.1\" 200 7\n"))
      << server->out();
  std::optional<int> status = server->stop(SIGTERM);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << server->err();
}

TEST_F(AeHttpdTest, ServesOnSeveralThreads) {
  auto server = Process::start_server(
      "ae-httpd", {"--listen", "127.0.0.1:0", "--root", dir_ + "/www", "--threads", "3", "-q"});
  std::vector<std::string> argv{"/usr/bin/curl", "-sS"};
  for (int i = 0; i < 20; ++i) argv.push_back("http://" + server->address() + "/style.css");
  std::string expected;
  for (int i = 0; i < 20; ++i) expected += "body{}\n";
  EXPECT_EQ(run(argv).out, expected);
}

TEST_F(AeHttpdTest, ServesOnAUnixSocket) {
  std::string sock = ae::testing::temp_socket_path("ae-httpd");
  auto server =
      Process::start_server("ae-httpd", {"--listen", "unix/:" + sock, "--root", dir_ + "/www"});
  ASSERT_TRUE(server->wait_for_out("listening on unix/:" + sock + "\n")) << server->out();
  Outcome r =
      run({"/usr/bin/curl", "-sS", "--unix-socket", sock, "http://x/", "http://x/style.css"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<h1>home</h1>\nbody{}\n");
  ASSERT_TRUE(server->wait_for_out("\"GET /style.css HTTP/1.1\" 200 7\n")) << server->out();
  EXPECT_TRUE(contains(server->out(), "unix/ - - [")) << server->out();
}

TEST_F(AeHttpdTest, ServesHttpsWithTls) {
  std::string cert = dir_ + "/cert.pem";
  std::string key = dir_ + "/key.pem";
  Outcome gen = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                     key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  auto server = Process::start_server(
      "ae-httpd", {"--listen", "127.0.0.1:0", "--root", dir_ + "/www", "--tls", cert, key});
  Outcome r = run({"/usr/bin/curl", "-sS", "--cacert", cert, "--resolve",
                   "localhost:" + std::to_string(server->port()) + ":127.0.0.1",
                   "https://localhost:" + std::to_string(server->port()) + "/"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<h1>home</h1>\n");
  // A file body on a TLS connection is copied through the filter (no sendfile): byte-exact,
  // whole and as a range, on one connection.
  std::string url = "https://localhost:" + std::to_string(server->port()) + "/big.bin";
  Outcome big = run({"/usr/bin/curl", "-sS", "--cacert", cert, "--resolve",
                     "localhost:" + std::to_string(server->port()) + ":127.0.0.1", url, "--next",
                     "-sS", "--cacert", cert, "-r", "1000-2099999", url});
  EXPECT_EQ(big.exit_code, 0) << big.err;
  std::string file = read_file(dir_ + "/www/big.bin");
  EXPECT_TRUE(big.out == file + file.substr(1000, 2099000)) << big.out.size();
}

TEST_F(AeHttpdTest, ServesTheSameFilesOverFastCgi) {
  auto server = Process::start_server(
      "ae-httpd", {"--listen", "127.0.0.1:0", "--root", dir_ + "/www", "--fcgi", "127.0.0.1:0"});
  ASSERT_TRUE(server->wait_for_out("fastcgi on 127.0.0.1:"));
  std::string out = server->out();
  std::string fcgi = out.substr(out.find("fastcgi on ") + 11);
  fcgi = fcgi.substr(0, fcgi.find('\n'));
  Outcome r = run({"/usr/bin/env", "-i", "REQUEST_METHOD=GET", "DOCUMENT_URI=/style.css",
                   "/usr/bin/cgi-fcgi", "-bind", "-connect", fcgi});
  EXPECT_EQ(r.out,
            "Status: 200 OK\r\nContent-Type: text/css; charset=utf-8\r\nContent-Length: 7\r\n"
            "\r\nbody{}\n");
  Outcome out_of_root =
      run({"/usr/bin/env", "-i", "REQUEST_METHOD=GET", "DOCUMENT_URI=/../secret.txt",
           "/usr/bin/cgi-fcgi", "-bind", "-connect", fcgi});
  EXPECT_TRUE(out_of_root.out.starts_with("Status: 404")) << out_of_root.out;
}

}  // namespace
}  // namespace ae::http_test
