// fcgi_hello: a FastCGI application on ae::http::fcgi, for nginx's fastcgi_pass.
//
//   fcgi_hello [--listen ADDR:PORT|unix/:PATH] [--delay SECONDS]
//
// Each request is answered with a plain-text page naming the method, the URI, the query string
// and the size of the body, after --delay seconds (default 0) through a wrap_cb() timer, as
// FCGI::EV::Std::Nonblock's SYNOPSIS does; "?fail" throws from the handler (the ERROR hook
// answers 500). It prints "listening on HOST:PORT" once it serves; SIGINT / SIGTERM stop it.
#include <iostream>
#include <memory>
#include <string>

#include "core/core.h"
#include "examples/common/cli.h"
#include "http/fcgi.h"
#include "socket/hostport.h"

namespace {

constexpr std::string_view kUsage =
    "usage: fcgi_hello [--listen ADDR:PORT|unix/:PATH] [--delay SECONDS]\n"
    "\n"
    "A FastCGI responder answering every request with a small text page.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (default 127.0.0.1:9000; port 0 picks one)\n"
    "  --delay SECONDS     answer after this long (default 0)\n";

using ae::http::fcgi::Request;

void reply(Request& r) {
  r.send("Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
  r.send("hello from ae\n");
  r.send("method: " + std::string(r.param("REQUEST_METHOD")) + "\n");
  r.send("uri: " + std::string(r.param("REQUEST_URI")) + "\n");
  r.send("query: " + std::string(r.param("QUERY_STRING")) + "\n");
  r.send("body: " + std::to_string(r.body().size()) + " bytes\n");
  r.done();
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1:9000";
  double delay = 0;
  ae::examples::CommandLine cli("fcgi_hello", kUsage);
  cli.text({"--listen"}, &address);
  cli.number({"--delay"}, &delay, 0, 3600);
  if (auto status = cli.parse(argc, argv)) return *status;
  std::optional<ae::HostPort> hp = ae::parse_hostport(address);
  if (!hp) return cli.usage_error("cannot parse --listen " + address);

  ae::Result<ae::http::fcgi::Server> server = ae::http::fcgi::Server::listen(
      hp->host, hp->service,
      {
          .on_request =
              [delay](Request& r) {
                if (r.param("QUERY_STRING") == "fail") throw std::runtime_error("asked to fail");
                if (delay == 0) return reply(r);
                // The timer lives as long as the request; its wrapped callback does nothing
                // once the web server has gone.
                r.data = std::make_shared<ae::Timer>(ae::timer(delay, r.wrap_cb(&reply)));
              },
          .error =
              [](Request& r, std::exception_ptr) {
                if (!r.alive()) return;
                r.send("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n");
                r.send("the handler failed\n");
                r.done();
              },
      });
  if (!server) {
    std::cerr << "fcgi_hello: " << server.message() << "\n";
    return ae::examples::kExitFailure;
  }
  std::cout << "listening on "
            << (hp->host == "unix/" ? "unix/:" + hp->service
                                    : ae::format_hostport(hp->host, std::to_string(server->port())))
            << std::endl;
  ae::CondVar<> stop;
  ae::Signal i = ae::signal("INT", [&] { stop.send(); });
  ae::Signal t = ae::signal("TERM", [&] { stop.send(); });
  stop.recv();
  return 0;
}
