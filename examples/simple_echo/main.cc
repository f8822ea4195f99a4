// simple_echo: the smallest echo server (RFC 862) on ae: every byte a client sends comes back.
//
//   simple_echo [PORT]    (0, the default, lets the kernel pick; the first line says which)
//
// muduo's examples/simple/echo in ae's words: tcp_server accepts, each client gets an ae::Handle
// whose on_read writes back what it finds in the read buffer, and the client's end-of-file (or
// an error) destroys the Handle, which closes the connection. SIGINT or SIGTERM stops it.
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "core/core.h"
#include "handle/handle.h"
#include "socket/server.h"

int main(int argc, char** argv) {
  std::map<int, ae::Handle> clients;  // by fd: a number is not reused before its Handle is gone
  auto accept = [&](int fd, const std::string&, std::uint16_t) {
    auto close = [&clients, fd](ae::Handle&, auto&&...) { clients.erase(fd); };
    clients.emplace(fd, ae::Handle(fd, {.on_error = close,
                                        .on_read =
                                            [](ae::Handle& h) {
                                              h.push_write(h.rbuf().view());
                                              h.rbuf().clear();
                                            },
                                        .on_eof = close}));
  };
  ae::Result<ae::TcpServer> server = ae::tcp_server("127.0.0.1", argc > 1 ? argv[1] : "0", accept);
  if (!server) return std::fprintf(stderr, "simple_echo: %s\n", server.message().c_str()), 1;
  std::printf("listening on 127.0.0.1:%u\n", server->port());
  std::fflush(stdout);

  ae::CondVar<> quit;
  ae::Signal interrupt = ae::signal("INT", [&] { quit.send(); });
  ae::Signal terminate = ae::signal("TERM", [&] { quit.send(); });
  quit.recv();
}
