// The ae side of the HTTP benchmark's small response: GET /small answers "hello, world\n" from
// ae::http::Server on --threads loops. Prints "listening on HOST:PORT".
//
//   hello_ae [--port N] [--threads N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/core.h"
#include "http/server.h"

int main(int argc, char** argv) {
  std::string port = "0";
  unsigned threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = argv[i + 1];
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
  }
  ae::http::Router router;
  router.get("/small", [](ae::http::ServerRequest&, ae::http::ServerResponse& res) {
    res.headers().set("Content-Type", "text/plain");
    res.send("hello, world\n");
  });
  ae::Result<ae::http::Server> server =
      ae::http::Server::listen("127.0.0.1", port, std::move(router), {.threads = threads});
  if (!server) {
    std::fprintf(stderr, "hello_ae: %s\n", server.message().c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", server->port());
  std::fflush(stdout);
  ae::CondVar<> stop;
  ae::Signal t = ae::signal("TERM", [&] { stop.send(); });
  ae::Signal i = ae::signal("INT", [&] { stop.send(); });
  stop.recv();
  return 0;
}
