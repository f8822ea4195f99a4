#include "tests/http/support/http_peer.h"

#include <sys/socket.h>

#include <stdexcept>

namespace ae::http_test {

PeerConnection::PeerConnection(HttpPeer& peer, int fd, int id)
    : peer_(peer),
      handle_(fd, Handle::Options{
                      .on_error = [this](Handle&, bool fatal, std::error_code,
                                         std::string_view) { closed_ = closed_ || fatal; },
                      .on_eof = [this](Handle&) { closed_ = true; },
                      .linger = 5,
                  }),
      id_(id) {
  handle_.on_read([this](Handle&) { on_read(); });
}

void PeerConnection::reset() {
  linger l{1, 0};
  if (handle_.fd() >= 0) ::setsockopt(handle_.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  handle_.linger(0);
  handle_.destroy();
  closed_ = true;
}

void PeerConnection::on_read() {
  while (parsing_ && !handle_.destroyed()) {
    if (!parser_) {
      parser_ = std::make_unique<http_internal::RequestParser>();
      current_ = Received{};
      current_.connection = id_;
    }
    std::size_t used = 0;
    http_internal::ParseEvent ev = parser_->parse(handle_.rbuf().view(), used);
    if (ev == http_internal::ParseEvent::kBody) current_.body.append(parser_->body());
    handle_.rbuf().consume(used);
    if (ev == http_internal::ParseEvent::kNeedMore) return;
    if (ev == http_internal::ParseEvent::kError) {
      handle_.push_write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
      handle_.push_shutdown();
      parsing_ = false;
      return;
    }
    if (ev == http_internal::ParseEvent::kComplete) {
      const auto& head = parser_->head();
      current_.method = head.method;
      current_.target = head.target;
      current_.version = head.version;
      current_.headers = head.headers;
      current_.trailers = parser_->trailers();
      parser_.reset();
      peer_.requests_.push_back(current_);
      peer_.handler_(peer_.requests_.back(), *this);
    }
  }
}

HttpPeer::HttpPeer(Handler handler, Accept on_accept)
    : handler_(std::move(handler)), on_accept_(std::move(on_accept)) {
  auto server = tcp_server("127.0.0.1", "0", [this](int fd, const std::string&, std::uint16_t) {
    int id = static_cast<int>(connections_.size()) + 1;
    PeerConnection& c = connections_.emplace_back(*this, fd, id);
    if (on_accept_) on_accept_(c);
  });
  if (!server) throw std::runtime_error("HttpPeer: " + server.message());
  port_ = server->port();
  server_ = std::move(*server);
}

HttpPeer::~HttpPeer() {
  for (PeerConnection& c : connections_) c.handle_.linger(0);
}

int HttpPeer::closed() const noexcept {
  int n = 0;
  for (const PeerConnection& c : connections_) n += c.closed() || c.handle_.destroyed();
  return n;
}

}  // namespace ae::http_test
