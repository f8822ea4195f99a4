// simple_discard: the smallest discard server (RFC 863) on ae: whatever a client sends is read
// and thrown away, and nothing is ever sent back.
//
//   simple_discard [PORT]    (0, the default, lets the kernel pick; the first line says which)
//
// muduo's examples/simple/discard in ae's words: tcp_server accepts, each client gets an
// ae::Handle whose on_read empties the read buffer, and the client's end-of-file (or an error)
// destroys the Handle, which closes the connection. Each client's byte count goes to stdout when
// it leaves. SIGINT or SIGTERM stops it.
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "core/core.h"
#include "handle/handle.h"
#include "socket/server.h"

int main(int argc, char** argv) {
  std::map<int, ae::Handle> clients;     // by fd: a number is not reused before its Handle is gone
  std::map<int, unsigned long> counted;  // bytes discarded per client
  auto accept = [&](int fd, const std::string&, std::uint16_t) {
    auto close = [&, fd](ae::Handle&, auto&&...) {
      std::printf("discarded %lu bytes\n", counted[fd]);
      std::fflush(stdout);
      counted.erase(fd);
      clients.erase(fd);
    };
    auto discard = [&, fd](ae::Handle& h) {
      counted[fd] += h.rbuf().size();
      h.rbuf().clear();
    };
    clients.emplace(fd, ae::Handle(fd, {.on_error = close, .on_read = discard, .on_eof = close}));
  };
  ae::Result<ae::TcpServer> server = ae::tcp_server("127.0.0.1", argc > 1 ? argv[1] : "0", accept);
  if (!server) return std::fprintf(stderr, "simple_discard: %s\n", server.message().c_str()), 1;
  std::printf("listening on 127.0.0.1:%u\n", server->port());
  std::fflush(stdout);

  ae::CondVar<> quit;
  ae::Signal interrupt = ae::signal("INT", [&] { quit.send(); });
  ae::Signal terminate = ae::signal("TERM", [&] { quit.send(); });
  quit.recv();
}
