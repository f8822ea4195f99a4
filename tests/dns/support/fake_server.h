// FakeServer: a tiny hand-written DNS responder on 127.0.0.1 (UDP) for the failure cases a real
// server will not produce on demand: SERVFAIL, REFUSED, silence, malformed answers, chosen TTLs.
// It runs on the current ae loop, so a test waiting on a CondVar also drives the server.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/function.h"
#include "core/loop.h"
#include "core/socket_address.h"
#include "dns/packet.h"

namespace ae::dns_test {

class FakeServer {
 public:
  // The answer to send for a query, or nullopt to stay silent.
  using Handler = Function<std::optional<std::vector<std::uint8_t>>(const dns::Message& query)>;

  // Binds 127.0.0.1 on a kernel-chosen port. Errors: std::system_error.
  explicit FakeServer(Handler handler);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  SocketAddress address() const { return address_; }
  // Every query received so far (including those that failed to parse, as empty messages).
  const std::vector<dns::Message>& received() const { return received_; }
  std::size_t queries() const { return received_.size(); }
  void set_handler(Handler handler) { handler_ = std::move(handler); }
  // Sends `answer` to whoever sent the last query (for answers held back by the handler).
  void send_to_last_peer(const std::vector<std::uint8_t>& answer);

 private:
  void on_readable();

  int fd_ = -1;
  SocketAddress address_;
  Handler handler_;
  std::vector<dns::Message> received_;
  sockaddr_storage last_peer_{};
  socklen_t last_peer_len_ = 0;
  Io watch_;
};

// An answer to `query`: its id and question, QR, RA, `rcode` and the given sections.
std::vector<std::uint8_t> reply(const dns::Message& query, std::uint16_t rcode,
                                std::vector<dns::Record> answers = {},
                                std::vector<dns::Record> authority = {});

dns::Record a_record(const std::string& name, const std::string& ip, std::uint32_t ttl);
dns::Record soa_record(const std::string& zone, std::uint32_t ttl, std::uint32_t minimum);

// A loopback address with a port nothing listens on (bound, then closed).
SocketAddress closed_port();

}  // namespace ae::dns_test
