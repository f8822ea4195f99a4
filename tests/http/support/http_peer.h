// HttpPeer: an HTTP server inside the test process, on the test's loop, that plays the server for
// the client: it parses each request with //http's own parser and lets the test answer it in any
// way, including the broken ones (reset mid-header, stall, lie about lengths).
//
// Example:
//   ae::http_test::HttpPeer peer([](const Received& req, PeerConnection& c) {
//     c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
//   });
//   ae::http::Request r = ae::http::http_get(peer.url("/"), {}, cb);
//
// A peer made with a raw script gets each accepted connection's Handle and nothing is parsed.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "handle/handle.h"
#include "http/headers.h"
#include "http/internal/parser.h"
#include "socket/server.h"

namespace ae::http_test {

// A request as the peer received it.
struct Received {
  std::string method;
  std::string target;
  int version = 11;
  http::Headers headers;
  std::string body;
  http::Headers trailers;
  int connection = 0;  // which accepted connection (1, 2, ...) carried it
};

class HttpPeer;

// One accepted connection, as the handler sees it.
class PeerConnection {
 public:
  // Made by HttpPeer for each accepted socket.
  PeerConnection(HttpPeer& peer, int fd, int id);

  Handle& handle() noexcept { return handle_; }
  int id() const noexcept { return id_; }
  void write(std::string_view bytes) { handle_.push_write(bytes); }
  // Closes after what was written went out (FIN).
  void close() { handle_.push_shutdown(); }
  // Closes at once with a TCP reset, dropping what was not sent.
  void reset();
  // Stops parsing requests on this connection (the handler takes over reading, or nothing does).
  void stop_parsing() noexcept { parsing_ = false; }
  bool closed() const noexcept { return closed_; }

 private:
  friend class HttpPeer;
  void on_read();

  HttpPeer& peer_;
  Handle handle_;
  int id_;
  bool parsing_ = true;
  bool closed_ = false;
  std::unique_ptr<http_internal::RequestParser> parser_;
  Received current_;
};

class HttpPeer {
 public:
  // Called once per complete request.
  using Handler = std::function<void(const Received& request, PeerConnection& c)>;
  // Called for each accepted connection before anything is read.
  using Accept = std::function<void(PeerConnection& c)>;

  explicit HttpPeer(Handler handler, Accept on_accept = nullptr);
  ~HttpPeer();
  HttpPeer(const HttpPeer&) = delete;
  HttpPeer& operator=(const HttpPeer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  int accepted() const noexcept { return static_cast<int>(connections_.size()); }
  // Connections the client closed (or reset).
  int closed() const noexcept;
  // Connections open right now.
  int open() const noexcept { return accepted() - closed(); }
  const std::vector<Received>& requests() const noexcept { return requests_; }

 private:
  friend class PeerConnection;
  Handler handler_;
  Accept on_accept_;
  TcpServer server_;
  std::uint16_t port_ = 0;
  std::list<PeerConnection> connections_;
  std::vector<Received> requests_;
};

}  // namespace ae::http_test
