// simple_finger: the smallest finger server (RFC 1288) on ae: a client sends a login name on one
// line and gets that user's plan, or "No such user", and the server closes the connection.
//
//   simple_finger [PORT [LOGIN=PLAN]...]    (port 0, the default, lets the kernel pick)
//
// muduo's examples/simple/finger (finger07) in ae's words: tcp_server accepts, each client gets
// an ae::Handle that reads one line with the `line` read type, writes the answer and is
// destroyed; its linger time lets the answer go out before the connection closes. SIGINT or
// SIGTERM stops it.
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "core/core.h"
#include "handle/handle.h"
#include "socket/server.h"

int main(int argc, char** argv) {
  std::map<std::string, std::string> plans;
  for (int i = 2; i < argc; ++i) {
    std::string user = argv[i];
    std::size_t eq = user.find('=');
    plans[user.substr(0, eq)] = eq == std::string::npos ? "" : user.substr(eq + 1);
  }
  std::map<int, ae::Handle> clients;  // by fd: a number is not reused before its Handle is gone
  auto accept = [&](int fd, const std::string&, std::uint16_t) {
    auto close = [&clients, fd](ae::Handle&, auto&&...) { clients.erase(fd); };
    ae::Handle h(fd, {.on_error = close, .on_eof = close, .rbuf_max = 512, .linger = 10});
    h.push_read(ae::line, [&, close](ae::Handle& h, const std::string& login, const std::string&) {
      auto plan = plans.find(login);
      h.push_write(plan == plans.end() ? "No such user\r\n" : plan->second + "\r\n");
      close(h);
    });
    clients.emplace(fd, std::move(h));
  };
  ae::Result<ae::TcpServer> server = ae::tcp_server("127.0.0.1", argc > 1 ? argv[1] : "0", accept);
  if (!server) return std::fprintf(stderr, "simple_finger: %s\n", server.message().c_str()), 1;
  std::printf("listening on 127.0.0.1:%u\n", server->port());
  std::fflush(stdout);

  ae::CondVar<> quit;
  ae::Signal interrupt = ae::signal("INT", [&] { quit.send(); });
  ae::Signal terminate = ae::signal("TERM", [&] { quit.send(); });
  quit.recv();
}
