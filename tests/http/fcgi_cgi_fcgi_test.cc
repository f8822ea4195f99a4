// The FastCGI responder against libfcgi's cgi-fcgi (libfcgi-bin), a client no one here wrote:
// it sends its own environment as FCGI_PARAMS and its standard input as FCGI_STDIN, and prints
// the responder's FCGI_STDOUT.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/fcgi.h"
#include "tests/examples/support/process.h"

namespace ae::http_test {
namespace {

using examples_test::Outcome;
using examples_test::run;
using http::fcgi::Request;
using http::fcgi::Server;

// cgi-fcgi with a clean environment holding `env`, connected to `address`.
Outcome cgi_fcgi(const std::string& address, std::vector<std::string> env, std::string body) {
  std::vector<std::string> argv{"/usr/bin/env", "-i"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.insert(argv.end(), {"/usr/bin/cgi-fcgi", "-bind", "-connect", address});
  return run(argv, body);
}

void echo(Request& r) {
  r.send("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
  r.send(std::string(r.param("REQUEST_METHOD")) + " " + std::string(r.param("QUERY_STRING")) +
         " [" + r.body() + "]\n");
  r.done();
}

TEST(FcgiCgiFcgiTest, AnswersAGetWithItsQueryString) {
  Result<Server> server = Server::listen("127.0.0.1", "0", {.on_request = &echo});
  ASSERT_TRUE(server) << server.message();
  Outcome r = cgi_fcgi("127.0.0.1:" + std::to_string(server->port()),
                       {"REQUEST_METHOD=GET", "QUERY_STRING=x=1&y=2"}, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nGET x=1&y=2 []\n");
}

TEST(FcgiCgiFcgiTest, ReceivesAPostBody) {
  Result<Server> server = Server::listen("127.0.0.1", "0", {.on_request = &echo});
  ASSERT_TRUE(server) << server.message();
  std::string body(100000, 'q');
  Outcome r = cgi_fcgi("127.0.0.1:" + std::to_string(server->port()),
                       {"REQUEST_METHOD=POST", "CONTENT_LENGTH=100000"}, body);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.ends_with("POST  [" + body + "]\n")) << r.out.substr(0, 200);
}

TEST(FcgiCgiFcgiTest, ALargeReplyArrivesWhole) {
  std::string big(1 << 20, 'z');
  Result<Server> server = Server::listen("127.0.0.1", "0", {.on_request = [&](Request& r) {
                                           r.send("Status: 200 OK\r\n\r\n");
                                           r.send(big);
                                           r.done();
                                         }});
  ASSERT_TRUE(server) << server.message();
  Outcome r = cgi_fcgi("127.0.0.1:" + std::to_string(server->port()), {"REQUEST_METHOD=GET"}, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Status: 200 OK\r\n\r\n" + big);
}

TEST(FcgiCgiFcgiTest, ATruncatedBodyIsAnswered417) {
  Result<Server> server = Server::listen("127.0.0.1", "0", {.on_request = &echo});
  ASSERT_TRUE(server) << server.message();
  Outcome r = cgi_fcgi("127.0.0.1:" + std::to_string(server->port()),
                       {"REQUEST_METHOD=POST", "CONTENT_LENGTH=10"}, "short");
  EXPECT_TRUE(r.out.starts_with("Status: 417 Expectation Failed\r\n")) << r.out << r.err;
}

}  // namespace
}  // namespace ae::http_test
