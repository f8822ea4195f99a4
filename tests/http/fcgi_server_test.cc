// ae::http::fcgi::Server and Request against a FastCGI client built on ae::Handle (the web
// server's side), over unix socketpairs and a real listening socket.
#include "http/fcgi.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/core.h"
#include "http/internal/fcgi_protocol.h"
#include "socket/connect.h"
#include "tests/http/fcgi_client.h"
#include "tests/support/run_until.h"
#include "tests/support/sockets.h"

namespace ae::http_test {
namespace {

using http::fcgi::Request;
using http::fcgi::Server;
using http::fcgi::ServerOptions;
namespace proto = ::ae::http_internal::fcgi;

// Answers with the method, the query and the body.
void echo(Request& r) {
  r.send("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
  r.send(std::string(r.param("REQUEST_METHOD")) + " " + std::string(r.param("QUERY_STRING")) +
         " [" + r.body() + "]");
  r.done();
}

// A server plus one connection to it through a socketpair.
struct Pair {
  explicit Pair(ServerOptions options) : server(std::move(options)) {
    auto [ours, theirs] = ae::testing::unix_pair();
    server.serve(theirs);
    client = std::make_unique<FcgiClient>(ours);
  }
  Server server;
  std::unique_ptr<FcgiClient> client;
};

TEST(FcgiServerTest, AnswersWithParamsAndBodyThenClosesWithoutKeepConn) {
  Pair p({.on_request = &echo});
  p.client->request(1, {{"REQUEST_METHOD", "POST"}, {"QUERY_STRING", "a=1"}}, "hello");
  ASSERT_TRUE(p.client->wait_end(1));
  FcgiReply& reply = p.client->reply(1);
  EXPECT_EQ(reply.out, "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nPOST a=1 [hello]");
  EXPECT_TRUE(reply.out_closed);
  EXPECT_EQ(reply.app_status, 0u);
  EXPECT_EQ(reply.protocol_status, proto::kRequestComplete);
  EXPECT_TRUE(p.client->wait_eof());
  EXPECT_TRUE(testing::run_until([&] { return p.server.connections() == 0; }));
}

TEST(FcgiServerTest, KeepConnServesSeveralRequestsOnOneConnection) {
  Pair p({.on_request = &echo});
  for (std::uint16_t id = 1; id <= 3; ++id) {
    p.client->request(id, {{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", std::to_string(id)}}, "",
                      true);
    ASSERT_TRUE(p.client->wait_end(id));
    EXPECT_TRUE(p.client->reply(id).out.ends_with("GET " + std::to_string(id) + " []"));
  }
  EXPECT_FALSE(p.client->eof());
  EXPECT_EQ(p.server.connections(), 1u);
  EXPECT_EQ(p.server.requests(), 0u);
}

TEST(FcgiServerTest, MultiplexedRequestsOnOneConnectionAreAnsweredIndependently) {
  // The first request answers only once the second one has ended.
  std::function<void()> answer_slow;
  Pair p({.on_request = [&](Request& r) {
    if (r.param("QUERY_STRING") == "slow") {
      answer_slow = r.wrap_cb(echo);
    } else {
      r.data = std::make_shared<Timer>(timer(0, r.wrap_cb(echo)));
    }
  }});
  p.client->begin(1, true);
  p.client->begin(2, true);
  p.client->params(1, {{"QUERY_STRING", "slow"}});
  p.client->params(2, {{"QUERY_STRING", "fast"}});
  p.client->stdin_data(2, "");
  p.client->stdin_data(1, "");
  ASSERT_TRUE(p.client->wait_end(2));
  ASSERT_TRUE(testing::run_until([&] { return static_cast<bool>(answer_slow); }));
  EXPECT_FALSE(p.client->reply(1).ended);
  answer_slow();
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_TRUE(p.client->reply(1).out.ends_with(" slow []"));
  EXPECT_TRUE(p.client->reply(2).out.ends_with(" fast []"));
}

TEST(FcgiServerTest, ABodyShorterThanContentLengthIsAnswered417WithoutCallingTheApplication) {
  int calls = 0;
  Pair p({.on_request = [&](Request& r) {
    ++calls;
    r.done();
  }});
  p.client->request(1, {{"CONTENT_LENGTH", "10"}}, "short");
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_TRUE(p.client->reply(1).out.starts_with("Status: 417 Expectation Failed\r\n"));
  EXPECT_EQ(calls, 0);
}

TEST(FcgiServerTest, ABodyOverMaxStdinIsAnswered417) {
  int calls = 0;
  Pair p({.on_request =
              [&](Request& r) {
                ++calls;
                r.done();
              },
          .max_stdin = 100});
  p.client->request(1, {}, std::string(1000, 'x'));
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_TRUE(p.client->reply(1).out.starts_with("Status: 417 Expectation Failed\r\n"));
  EXPECT_EQ(calls, 0);
}

TEST(FcgiServerTest, ABodyOverSeveralRecordsArrivesWhole) {
  std::string body(200000, 'b');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  std::string seen;
  Pair p({.on_request = [&](Request& r) {
    seen = r.body();
    r.done();
  }});
  p.client->request(1, {}, body);
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_EQ(seen, body);
}

TEST(FcgiServerTest, HooksRunPreStartPostThenErrorWithTheException) {
  std::vector<std::string> order;
  Pair p({.on_request =
              [&](Request& r) {
                order.emplace_back("start");
                r.data = std::make_shared<Timer>(timer(0, r.wrap_cb([&](Request&) {
                  order.emplace_back("callback");
                  throw std::runtime_error("from callback");
                })));
                throw std::runtime_error("from start");
              },
          .pre = [&](Request&) { order.emplace_back("pre"); },
          .post = [&](Request&) { order.emplace_back("post"); },
          .error =
              [&](Request& r, std::exception_ptr e) {
                try {
                  std::rethrow_exception(std::move(e));
                } catch (const std::exception& ex) {
                  order.push_back(std::string("error: ") + ex.what());
                }
                if (order.size() > 4) r.done();
              }});
  p.client->request(1, {}, "");
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_EQ(order, (std::vector<std::string>{"pre", "start", "post", "error: from start", "pre",
                                             "callback", "post", "error: from callback"}));
}

TEST(FcgiServerTest, WithoutAnErrorHookAThrowingHandlerIsAnswered500) {
  Pair p({.on_request = [](Request&) { throw std::runtime_error("boom"); }});
  p.client->request(1, {}, "");
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_TRUE(p.client->reply(1).out.starts_with("Status: 500 Internal Server Error\r\n"));
}

TEST(FcgiServerTest, ASecondDoneThrowsAndSendAfterDoneIsIgnored) {
  std::string what;
  Pair p({.on_request = [&](Request& r) {
    r.send("Status: 204 No Content\r\n\r\n");
    r.done();
    r.send("ignored");
    try {
      r.done();
    } catch (const std::logic_error& e) {
      what = e.what();
    }
  }});
  p.client->request(1, {}, "");
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_EQ(p.client->reply(1).out, "Status: 204 No Content\r\n\r\n");
  EXPECT_NE(what.find("this request already done()"), std::string::npos) << what;
}

TEST(FcgiServerTest, WrappedCallbacksBecomeNoOpsOnceTheWebServerHangsUp) {
  int ran = 0;
  bool started = false;
  std::function<void()> later;
  Pair p({.on_request = [&](Request& r) {
    started = true;
    later = r.wrap_cb([&](Request& r) {
      ++ran;
      r.done();
    });
  }});
  p.client->request(1, {}, "");
  ASSERT_TRUE(testing::run_until([&] { return started; }));
  p.client->hang_up();
  ASSERT_TRUE(testing::run_until([&] { return p.server.connections() == 0; }));
  later();
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(p.server.requests(), 0u);
}

TEST(FcgiServerTest, AbortRequestEndsItAndItsWrappedCallbacksDoNothing) {
  int ran = 0;
  bool started = false;
  std::function<void(int)> later;
  Pair p({.on_request = [&](Request& r) {
    started = true;
    later = r.wrap_cb([&](Request&, int n) { ran += n; });
  }});
  p.client->request(1, {}, "", true);
  ASSERT_TRUE(testing::run_until([&] { return started; }));
  later(1);
  EXPECT_EQ(ran, 1);
  p.client->abort(1);
  ASSERT_TRUE(p.client->wait_end(1));
  later(1);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(p.server.requests(), 0u);
}

TEST(FcgiServerTest, GetValuesIsAnswered) {
  Pair p({.on_request = &echo, .max_conns = 7, .max_reqs = 9});
  std::string names;
  proto::encode_pair(names, "FCGI_MAX_CONNS", "");
  proto::encode_pair(names, "FCGI_MAX_REQS", "");
  proto::encode_pair(names, "FCGI_MPXS_CONNS", "");
  proto::encode_pair(names, "SOMETHING_ELSE", "");
  std::string out;
  proto::append_record(out, proto::kGetValues, 0, names);
  p.client->raw(out);
  ASSERT_TRUE(
      testing::run_until([&] { return p.client->management().contains(proto::kGetValuesResult); }));
  std::map<std::string, std::string> values;
  ASSERT_TRUE(proto::decode_pairs(p.client->management()[proto::kGetValuesResult], values));
  EXPECT_EQ(values,
            (std::map<std::string, std::string>{
                {"FCGI_MAX_CONNS", "7"}, {"FCGI_MAX_REQS", "9"}, {"FCGI_MPXS_CONNS", "1"}}));
}

TEST(FcgiServerTest, AnUnknownManagementRecordIsAnsweredWithUnknownType) {
  Pair p({.on_request = &echo});
  std::string out;
  proto::append_record(out, 42, 0, "x");
  p.client->raw(out);
  ASSERT_TRUE(
      testing::run_until([&] { return p.client->management().contains(proto::kUnknownType); }));
  EXPECT_EQ(p.client->management()[proto::kUnknownType][0], 42);
}

TEST(FcgiServerTest, LargeOutputIsSplitIntoRecordsOfAtMost65535Bytes) {
  std::string big(200000, 'o');
  Pair p({.on_request = [&](Request& r) {
    r.send(big);
    r.done();
  }});
  p.client->request(1, {}, "");
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_EQ(p.client->reply(1).out, big);
  for (std::size_t n : p.client->reply(1).out_record_sizes) EXPECT_LE(n, 65535u);
  EXPECT_GE(p.client->reply(1).out_record_sizes.size(), 4u);
}

TEST(FcgiServerTest, LogWritesToStderr) {
  Pair p({.on_request = [](Request& r) {
    r.log("something to note");
    r.done();
  }});
  p.client->request(1, {}, "");
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_EQ(p.client->reply(1).err, "something to note");
}

TEST(FcgiServerTest, UnknownRolesAreRefused) {
  Pair p({.on_request = &echo});
  p.client->begin(1, false, proto::kAuthorizer);
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_EQ(p.client->reply(1).protocol_status, proto::kUnknownRole);
}

TEST(FcgiServerTest, RequestsOverMaxReqsAreRefusedAsOverloaded) {
  Pair p({.on_request = [](Request&) {}, .max_reqs = 1});
  p.client->request(1, {}, "", true);
  p.client->begin(2, true);
  ASSERT_TRUE(p.client->wait_end(2));
  EXPECT_EQ(p.client->reply(2).protocol_status, proto::kOverloaded);
  EXPECT_FALSE(p.client->reply(1).ended);
}

TEST(FcgiServerTest, WithoutMultiplexingASecondRequestIsRefused) {
  Pair p({.on_request = [](Request&) {}, .multiplex = false});
  p.client->request(1, {}, "", true);
  p.client->begin(2, true);
  ASSERT_TRUE(p.client->wait_end(2));
  EXPECT_EQ(p.client->reply(2).protocol_status, proto::kCantMpxConn);
}

// Each of these closes the connection without calling the application.
TEST(FcgiServerTest, ProtocolErrorsCloseTheConnection) {
  std::vector<std::string> cases;
  std::string s;
  proto::append_begin_request(s, 1, proto::kResponder, 0);
  std::string begin = s;
  s[0] = 2;  // version 2
  cases.push_back(s);
  s = begin;
  proto::append_record(s, proto::kStdin, 1, "early");  // STDIN before PARAMS ended
  cases.push_back(s);
  s = begin;
  proto::append_record(s, proto::kParams, 1,
                       std::string("\x05\x01"
                                   "ab"));  // a truncated pair
  proto::append_record(s, proto::kParams, 1, "");
  cases.push_back(s);
  s = begin + begin;  // a duplicated BEGIN_REQUEST
  cases.push_back(s);
  s.clear();
  proto::append_record(s, proto::kBeginRequest, 1, "ab");  // a short BEGIN_REQUEST
  cases.push_back(s);
  for (const std::string& bytes : cases) {
    int calls = 0;
    Pair p({.on_request = [&](Request&) { ++calls; }});
    p.client->raw(bytes);
    EXPECT_TRUE(p.client->wait_eof());
    EXPECT_EQ(calls, 0);
  }
}

TEST(FcgiServerTest, ParamsOverMaxParamsCloseTheConnection) {
  Pair p({.on_request = &echo, .max_params = 1000});
  p.client->begin(1);
  p.client->params(1, {{"BIG", std::string(5000, 'p')}});
  EXPECT_TRUE(p.client->wait_eof());
}

TEST(FcgiServerTest, AStalledRequestIsClosedAfterTheReadTimeout) {
  Pair p({.on_request = &echo, .read_timeout = 0.05});
  p.client->begin(1);
  EXPECT_TRUE(p.client->wait_eof());
}

TEST(FcgiServerTest, AnIdleKeptConnectionHasNoReadTimeout) {
  Pair p({.on_request = &echo, .read_timeout = 0.05});
  p.client->request(1, {}, "", true);
  ASSERT_TRUE(p.client->wait_end(1));
  bool waited = false;
  Timer t = timer(0.2, [&] { waited = true; });
  ASSERT_TRUE(testing::run_until([&] { return waited; }));
  EXPECT_FALSE(p.client->eof());
}

TEST(FcgiServerTest, ARequestOverItsTimeoutEndsWithAppStatus1) {
  Pair p({.on_request = [](Request&) {}, .request_timeout = 0.05});
  p.client->request(1, {}, "", true);
  ASSERT_TRUE(p.client->wait_end(1));
  EXPECT_EQ(p.client->reply(1).app_status, 1u);
  EXPECT_EQ(p.server.requests(), 0u);
}

TEST(FcgiServerTest, DestroyingTheServerInsideAHandlerIsSafe) {
  std::unique_ptr<Server> server;
  server = std::make_unique<Server>(ServerOptions{.on_request = [&](Request& r) {
    r.send("x");
    server.reset();
    r.send("y");  // the request is gone: ignored
  }});
  auto [ours, theirs] = ae::testing::unix_pair();
  server->serve(theirs);
  FcgiClient client(ours);
  client.request(1, {}, "");
  EXPECT_TRUE(client.wait_eof());
  EXPECT_EQ(server, nullptr);
}

TEST(FcgiServerTest, ListensOnTcpAndServesAConnectedClient) {
  Result<Server> server = Server::listen("127.0.0.1", "0", {.on_request = &echo});
  ASSERT_TRUE(server) << server.message();
  ASSERT_NE(server->port(), 0);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(server->port());
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  FcgiClient client(fd);
  client.request(1, {{"REQUEST_METHOD", "GET"}}, "");
  ASSERT_TRUE(client.wait_end(1));
  EXPECT_TRUE(client.reply(1).out.ends_with("GET  []"));
}

TEST(FcgiServerTest, ListensOnAUnixSocket) {
  // $TEST_TMPDIR can be longer than sun_path allows.
  char dir[] = "/tmp/ae-fcgi-test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/app.sock";
  Result<Server> server = Server::listen("unix/", path, {.on_request = &echo});
  ASSERT_TRUE(server) << server.message();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  path.copy(sa.sun_path, sizeof sa.sun_path - 1);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  FcgiClient client(fd);
  client.request(1, {{"REQUEST_METHOD", "PUT"}}, "x");
  ASSERT_TRUE(client.wait_end(1));
  EXPECT_TRUE(client.reply(1).out.ends_with("PUT  [x]"));
  server->close();
  ::rmdir(dir);
}

}  // namespace
}  // namespace ae::http_test
