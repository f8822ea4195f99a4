// The FastCGI responder's state: the server, its connections and their requests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/watchers.h"
#include "handle/handle.h"
#include "http/fcgi.h"
#include "http/internal/fcgi_protocol.h"
#include "socket/server.h"

namespace ae::http_internal::fcgi {

struct Connection;

// One request: owned by its connection's map (and, while a wrapped callback runs, by that call).
struct RequestState : std::enable_shared_from_this<RequestState> {
  RequestState(Connection& connection, std::uint16_t request_id) noexcept
      : request(*this), conn(&connection), id(request_id) {}

  http::fcgi::Request request;
  // Null once the request left its connection (done, aborted, timed out, hung up).
  Connection* conn;
  std::uint16_t id;
  // The hooks outlive the server while a wrapped callback still runs.
  std::shared_ptr<const http::fcgi::ServerOptions> options;

  std::string params_stream;
  std::map<std::string, std::string> params;
  bool params_done = false;

  std::string body;
  std::size_t expected_length = 0;
  std::size_t received_length = 0;
  bool stdin_done = false;

  bool done = false;
  Timer deadline;
};

struct ServerImpl;

// One connection from the web server.
struct Connection {
  Connection(ServerImpl& server, int fd);

  void on_read(Handle& h);
  // Returns false when the connection was closed.
  bool handle_record(const Record& record);
  void begin_request(const Record& record);
  void params(RequestState& r, std::string_view content);
  void stdin_data(RequestState& r, std::string_view content);
  void start(std::shared_ptr<RequestState> r);
  void get_values(std::string_view content);

  // Sends FCGI_END_REQUEST and lets the request go; closes the connection after it unless
  // the web server asked to keep it.
  void end_request(RequestState& r, std::uint32_t app_status, std::uint8_t protocol_status);
  void refuse(std::uint16_t id, std::uint8_t protocol_status);
  void write(std::string_view bytes) { handle.push_write(bytes); }
  void update_read_timeout();
  // Closes the connection: `why` is logged when not empty. Its requests go away.
  void close(std::string_view why, bool flush);
  bool protocol_error(std::string_view why) {
    close(why, false);
    return false;
  }

  ServerImpl& server;
  Handle handle;
  std::map<std::uint16_t, std::shared_ptr<RequestState>> requests;
  bool keep_conn = false;
  bool closed = false;
  // This connection's place in ServerImpl::connections.
  std::list<std::unique_ptr<Connection>>::iterator self;
};

struct ServerImpl : std::enable_shared_from_this<ServerImpl> {
  explicit ServerImpl(http::fcgi::ServerOptions opts);

  void serve(int fd);
  // Moves a closed connection out of the live list; it is freed after the current callback.
  void retire(Connection& c);
  void close_all() noexcept;

  std::shared_ptr<const http::fcgi::ServerOptions> options;
  TcpServer listener;
  std::list<std::unique_ptr<Connection>> connections;
  std::list<std::unique_ptr<Connection>> retired;
  std::size_t active_requests = 0;
};

}  // namespace ae::http_internal::fcgi
