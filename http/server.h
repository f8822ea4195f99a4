// ae::http::Server: an HTTP/1.1 server on ae::Handle and ae::tcp_server.
//
// Requests are parsed by Boost.Beast's sans-I/O parser (http/internal/parser.h) and handed to a
// Router's handlers once the body is in. A connection serves its requests one after another:
// pipelined requests wait in the read buffer and are answered in order. The server writes
// `Date`, `Server` and `Connection` itself, frames the body (Content-Length, chunked, or for
// HTTP/1.0 until close), answers `Expect: 100-continue`, drops the body of HEAD answers, and
// turns protocol errors and exceeded limits into the right status before closing:
// 400 (malformed, smuggling: Content-Length with Transfer-Encoding, two Content-Lengths, obs-fold,
// bare CR, bad chunk sizes, no Host in HTTP/1.1), 408 (header or body too slow), 413 (body),
// 414 (URI), 431 (header size or field count), 505 (version).
//
// Example (examples/http_hello):
//   ae::http::Router router;
//   router.get("/hello/:name", [](ae::http::ServerRequest& req, ae::http::ServerResponse& res) {
//     res.headers().set("Content-Type", "text/plain");
//     res.send("hello, " + std::string(req.param("name")) + "\n");
//   });
//   ae::Result<ae::http::Server> server =
//       ae::http::Server::listen("127.0.0.1", "8080", std::move(router));
//   if (!server) return std::puts(server.message().c_str()), 1;
//   ae::CondVar<> stopped;
//   ae::Signal term = ae::signal("TERM", [&] { server->shutdown(5, [&] { stopped.send(); }); });
//   stopped.recv();
//
// Thread safety: a Server, its connections, Requests and Responses belong to the loop that was
// current when it was made (with threads = N, each extra loop has its own connections); handlers
// of a multi-threaded server run on several threads at once and must be safe for that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/function.h"
#include "core/result.h"
#include "handle/types.h"
#include "http/headers.h"
#include "http/router.h"

namespace ae::http_internal {
struct Exchange;
struct HttpServerImpl;
struct HttpConnection;
}  // namespace ae::http_internal

namespace ae::http {

// A request, complete with its body. Valid until its response ends or the client goes away (see
// ServerResponse::on_close).
class ServerRequest {
 public:
  const std::string& method() const noexcept { return method_; }
  // The request target as sent ("/a%20b?x=1").
  const std::string& target() const noexcept { return target_; }
  // The target's path without the query, still percent-encoded ("/a%20b").
  std::string_view path() const noexcept;
  // The query without '?' ("x=1"), "" when there is none.
  std::string_view query() const noexcept;
  // 10 or 11.
  int version() const noexcept { return version_; }
  const Headers& headers() const noexcept { return headers_; }
  const std::string& body() const noexcept { return body_; }
  // A capture of the route's pattern (":id", "*rest"), "" when absent.
  std::string_view param(std::string_view name) const;
  // The client's address, as tcp_server reported it ("127.0.0.1", "unix/"), and port.
  const std::string& peer_host() const noexcept { return peer_host_; }
  std::uint16_t peer_port() const noexcept { return peer_port_; }

 private:
  friend struct http_internal::Exchange;
  friend struct http_internal::HttpConnection;
  std::string method_;
  std::string target_;
  int version_ = 11;
  Headers headers_;
  std::string body_;
  std::map<std::string, std::string, std::less<>> params_;
  std::string peer_host_;
  std::uint16_t peer_port_ = 0;
};

// The answer to one request. A handler sets the status and fields, then either sends the whole
// body at once (send), streams it (write ... end), or serves a file (send_file).
//
// Lifetime: a ServerResponse (and its ServerRequest) stays valid until end() (or a send) finished
// it, or until the client went away, whichever comes first; on_close runs in the second case, and
// callbacks of pending work must then stop using both. A coroutine handler's ServerRequest and
// ServerResponse stay valid until the coroutine returns.
class ServerResponse {
 public:
  // The status (200 by default); effective until the head is sent.
  void status(int code) noexcept;
  int status() const noexcept;
  // The fields to send; changes after the head went out are ignored. Content-Length set here
  // before write() makes the body use it instead of the chunked coding.
  Headers& headers() noexcept;

  // Sends the head (if not yet sent) with Content-Length: body.size() and the body, and ends the
  // response.
  void send(std::string_view body);
  void send(int code, std::string_view body) {
    status(code);
    send(body);
  }

  // Sends the head if not yet sent (chunked for HTTP/1.1 unless Content-Length was set; for
  // HTTP/1.0 the body then runs until the connection closes), then `bytes`. Write more only once
  // on_drain ran: the server buffers what the client does not read yet.
  void write(std::string_view bytes);
  // Ends the response (the last chunk of a chunked body). Further calls do nothing.
  void end();

  // Serves file `path` for a GET or HEAD request: Content-Type from its extension,
  // Last-Modified and ETag, 304 for If-None-Match / If-Modified-Since, 206 for a single
  // satisfiable Range (416 for an unsatisfiable one), streamed with backpressure. Ends the
  // response. A file that cannot be opened is answered with 404 (403 when access is denied).
  void send_file(const std::string& path);

  // Runs once when the bytes written so far have (almost) all gone to the client, never inside
  // this call; replaces an earlier on_drain.
  void on_drain(Function<void()> cb);
  // Runs once if the client goes away (reset, close, write timeout) before the response ended,
  // or the server closes the connection; never inside this call.
  void on_close(Function<void()> cb);

  // True once the response ended (or can no longer reach the client).
  bool ended() const noexcept;
  bool head_sent() const noexcept;

 private:
  friend struct http_internal::Exchange;
  explicit ServerResponse(http_internal::Exchange& x) noexcept : x_(&x) {}
  http_internal::Exchange* x_;
};

struct ServerOptions {
  // Seconds for the whole request header to arrive once its first byte did (slowloris): 408.
  double header_timeout = 10;
  // Seconds without a body byte while the body is arriving: 408.
  double body_timeout = 30;
  // Seconds a kept-alive connection may wait for its next request; then it is closed.
  double idle_timeout = 60;
  // Seconds without progress writing to a client that has data pending; then it is closed.
  double write_timeout = 60;

  std::size_t max_header_size = 16 * 1024;  // 431 (the request line and all fields)
  std::size_t max_header_count = 100;       // 431
  std::size_t max_uri_length = 8 * 1024;    // 414
  std::uint64_t max_body_size = 1 << 20;    // 413
  // Requests one connection may carry before it is closed (0: no limit).
  std::size_t max_requests_per_connection = 0;

  // The Server field ("" to send none).
  std::string server_name = "ae";
  // Runs after each response ended, for an access log (status, body bytes sent).
  Function<void(const ServerRequest& req, int status, std::uint64_t bytes)> on_access{};

  // Connections served at once by each loop (0: no limit), as nginx's worker_connections: at the
  // limit the listener stops accepting and further clients wait in the listen queue until a
  // connection closes.
  std::size_t max_connections = 0;

  // The listen(2) backlog (nginx's default; the kernel caps it at net.core.somaxconn). A short
  // queue drops SYNs under bursts of connections, and each drop costs the client a second.
  int backlog = 511;

  // Makes each connection TLS (AnyEvent::Handle's tls => "accept"): ae::tls::accept(ctx) from
  // //tls. With threads, it is called on every serving thread.
  FilterFactory tls{};

  // The loops serving connections: 1 serves on the current loop; N > 1 adds N - 1 threads, each
  // with its own loop and its own SO_REUSEPORT listener on the same address (TCP only), so the
  // kernel spreads connections over them and no state is shared on the request path.
  unsigned threads = 1;
};

class Server {
 public:
  // Listens on `host`:`service` as tcp_server does ("unix/" and a path for a unix socket).
  // Errors: returned as tcp_server returns them; std::invalid_argument for an empty router.
  static Result<Server> listen(std::string_view host, std::string_view service, Router router,
                               ServerOptions options = {});

  Server(Server&&) noexcept;
  Server& operator=(Server&&) noexcept;
  // Closes at once: as close().
  ~Server();

  // The port (0 for a unix socket).
  std::uint16_t port() const noexcept;
  // Open connections (on this loop; with threads, on every loop).
  std::size_t connections() const noexcept;

  // Graceful shutdown: stops accepting at once, closes idle kept-alive connections, lets the
  // requests in progress finish (each connection closes after its current response), and after
  // `deadline` seconds closes whatever is left. `done` runs once when every connection is gone,
  // never inside this call. Calling it again only moves nothing; the first done stands.
  void shutdown(double deadline, Function<void()> done);
  // Stops listening and closes every connection now (responses in progress see on_close).
  void close() noexcept;

 private:
  Server() = default;
  std::shared_ptr<http_internal::HttpServerImpl> impl_;
};

}  // namespace ae::http
