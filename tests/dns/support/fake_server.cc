#include "tests/dns/support/fake_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ae::dns_test {

FakeServer::FakeServer(Handler handler) : handler_(std::move(handler)) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    int e = errno;
    ::close(fd_);
    throw std::system_error(e, std::generic_category(), "bind");
  }
  address_ = SocketAddress(reinterpret_cast<sockaddr*>(&a), len);
  watch_ = ae::io(fd_, kRead, [this] { on_readable(); });
}

FakeServer::~FakeServer() {
  watch_.reset();
  ::close(fd_);
}

void FakeServer::on_readable() {
  for (;;) {
    std::uint8_t buf[65536];
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return;
    last_peer_ = from;
    last_peer_len_ = len;
    auto query = dns::parse_message(std::span(buf, static_cast<std::size_t>(n)));
    received_.push_back(query ? *query : dns::Message{});
    if (!query || !handler_) continue;
    std::optional<std::vector<std::uint8_t>> answer = handler_(*query);
    if (answer) {
      ::sendto(fd_, answer->data(), answer->size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
}

void FakeServer::send_to_last_peer(const std::vector<std::uint8_t>& answer) {
  ::sendto(fd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&last_peer_),
           last_peer_len_);
}

std::vector<std::uint8_t> reply(const dns::Message& query, std::uint16_t rcode,
                                std::vector<dns::Record> answers,
                                std::vector<dns::Record> authority) {
  dns::Message m;
  m.id = query.id;
  m.qr = true;
  m.rd = query.rd;
  m.ra = true;
  m.rcode = rcode;
  m.questions = query.questions;
  m.answers = std::move(answers);
  m.authority = std::move(authority);
  auto wire = dns::encode_message(m);
  return wire ? *wire : std::vector<std::uint8_t>{};
}

dns::Record a_record(const std::string& name, const std::string& ip, std::uint32_t ttl) {
  dns::Record r;
  r.name = name;
  r.type = static_cast<std::uint16_t>(dns::RrType::kA);
  r.ttl = ttl;
  r.data = *SocketAddress::from_numeric(ip, 0);
  return r;
}

dns::Record soa_record(const std::string& zone, std::uint32_t ttl, std::uint32_t minimum) {
  dns::Record r;
  r.name = zone;
  r.type = static_cast<std::uint16_t>(dns::RrType::kSoa);
  r.ttl = ttl;
  r.data = dns::Soa{"ns1." + zone, "hostmaster." + zone, 1, 3600, 600, 86400, minimum};
  return r;
}

SocketAddress closed_port() {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return SocketAddress(reinterpret_cast<sockaddr*>(&a), len);
}

}  // namespace ae::dns_test
