#include "tests/examples/support/fake_server.h"

#include <sys/socket.h>

#include <stdexcept>

namespace ae::examples_test {

FakeServer::FakeServer(Script script) : script_(std::move(script)) {
  auto server = tcp_server("127.0.0.1", "0", [this](int fd, const std::string&, std::uint16_t) {
    ++accepted_;
    Handle& h = handles_.emplace_back(
        fd, Handle::Options{
                .on_error =
                    [this](Handle&, bool fatal, std::error_code, std::string_view) {
                      if (fatal) ++closed_;
                    },
                .on_eof = [this](Handle&) { ++closed_; },
                .linger = 5,
            });
    script_(h);
  });
  if (!server) throw std::runtime_error("FakeServer: " + server.message());
  port_ = server->port();
  server_ = std::move(*server);
}

void FakeServer::reset_all() {
  for (Handle& h : handles_) {
    linger l{1, 0};
    if (h.fd() >= 0) ::setsockopt(h.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    h.linger(0);
    h.destroy();
  }
}

}  // namespace ae::examples_test
