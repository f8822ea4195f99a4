#include "http/fcgi.h"

#include <unistd.h>

#include <charconv>
#include <stdexcept>
#include <utility>

#include "core/log_hook.h"
#include "core/loop.h"
#include "http/internal/fcgi_server_impl.h"

namespace ae::http_internal::fcgi {
namespace {

constexpr std::string_view kLogContext = "ae::http::fcgi";

void warn(std::string_view message) {
  if (core_log_enabled(LogLevel::kWarn, kLogContext)) {
    core_log(LogLevel::kWarn, kLogContext, message);
  }
}

// CONTENT_LENGTH as FCGI::EV::Std reads it: absent or empty is 0. Anything that is not a plain
// decimal number can never match the body, so it becomes the largest length (answered with 417).
std::size_t content_length(const std::map<std::string, std::string>& params) {
  auto it = params.find("CONTENT_LENGTH");
  if (it == params.end() || it->second.empty()) return 0;
  std::size_t n = 0;
  const char* end = it->second.data() + it->second.size();
  auto [ptr, ec] = std::from_chars(it->second.data(), end, n);
  if (ec != std::errc() || ptr != end) return static_cast<std::size_t>(-1);
  return n;
}

constexpr std::string_view kExpectationFailed =
    "Status: 417 Expectation Failed\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<html><head><title>417 Expectation Failed</title></head>"
    "<body><h1>Expectation Failed</h1></body></html>\n";

}  // namespace

// ---- ServerImpl
// -----------------------------------------------------------------------------------

ServerImpl::ServerImpl(http::fcgi::ServerOptions opts) {
  if (!opts.on_request) {
    throw std::invalid_argument("ae::http::fcgi::Server: on_request is required");
  }
  options = std::make_shared<const http::fcgi::ServerOptions>(std::move(opts));
}

void ServerImpl::serve(int fd) {
  if (connections.size() >= options->max_conns) {
    warn("connection refused: max_conns (" + std::to_string(options->max_conns) + ") reached");
    ::close(fd);
    return;
  }
  connections.push_back(nullptr);
  auto it = std::prev(connections.end());
  *it = std::make_unique<Connection>(*this, fd);
  (*it)->self = it;
}

void ServerImpl::retire(Connection& c) {
  bool first = retired.empty();
  retired.splice(retired.end(), connections, c.self);
  if (!first) return;
  postpone([weak = weak_from_this()] {
    if (std::shared_ptr<ServerImpl> self = weak.lock()) self->retired.clear();
  });
}

void ServerImpl::close_all() noexcept {
  listener.close();
  // Closed connections stay in `retired` until the sweep or this object's destruction, since
  // one of them may be running the callback that closed the server.
  while (!connections.empty()) connections.front()->close("", false);
}

// ---- Connection
// -----------------------------------------------------------------------------------

Connection::Connection(ServerImpl& s, int fd)
    : server(s),
      handle(fd, {
                     .on_error =
                         [this](Handle&, bool fatal, std::error_code, std::string_view message) {
                           if (fatal) close("connection: " + std::string(message), false);
                         },
                     .on_read = [this](Handle& h) { on_read(h); },
                     .on_eof = [this](Handle&) { close("", true); },
                     .on_rtimeout =
                         [this](Handle&) {
                           close("no data from the web server for " +
                                     std::to_string(server.options->read_timeout) + " s",
                                 false);
                         },
                 }) {}

void Connection::on_read(Handle& h) {
  // A request handler may close the server; keep it (and so this connection) until we return.
  std::shared_ptr<ServerImpl> pin = server.shared_from_this();
  Buffer& buf = h.rbuf();
  Record record;
  while (!closed) {
    std::size_t n = parse_record(buf.view(), record);
    if (n == 0) break;
    bool alive = handle_record(record);
    if (!alive) return;
    buf.consume(n);
  }
  if (!closed) update_read_timeout();
}

bool Connection::handle_record(const Record& record) {
  if (record.version != kVersion1) {
    return protocol_error("unsupported protocol version " + std::to_string(record.version));
  }
  if (record.request_id == 0) {
    if (record.type == kGetValues) {
      get_values(record.content);
    } else {
      std::string body(1, static_cast<char>(record.type));
      body.append(7, '\0');
      std::string out;
      append_record(out, kUnknownType, 0, body);
      write(out);
    }
    return true;
  }
  if (record.type == kBeginRequest) {
    begin_request(record);
    return !closed;
  }
  auto it = requests.find(record.request_id);
  // Records for requests that are not active are ignored, as the specification says.
  if (it == requests.end()) return true;
  std::shared_ptr<RequestState> r = it->second;
  switch (record.type) {
    case kParams:
      params(*r, record.content);
      break;
    case kStdin:
      stdin_data(*r, record.content);
      break;
    case kAbortRequest:
      end_request(*r, 0, kRequestComplete);
      break;
    default:
      // FCGI_DATA belongs to the filter role, which is refused at FCGI_BEGIN_REQUEST; other
      // types are not defined for a request.
      break;
  }
  return !closed;
}

void Connection::begin_request(const Record& record) {
  BeginRequest begin;
  if (!parse_begin_request(record.content, begin)) {
    protocol_error("short FCGI_BEGIN_REQUEST");
    return;
  }
  if (requests.contains(record.request_id)) {
    protocol_error("duplicated FCGI_BEGIN_REQUEST for request " +
                   std::to_string(record.request_id));
    return;
  }
  keep_conn = (begin.flags & kKeepConn) != 0;
  if (begin.role != kResponder) {
    refuse(record.request_id, kUnknownRole);
  } else if (!server.options->multiplex && !requests.empty()) {
    refuse(record.request_id, kCantMpxConn);
  } else if (server.active_requests >= server.options->max_reqs) {
    refuse(record.request_id, kOverloaded);
  } else {
    auto r = std::make_shared<RequestState>(*this, record.request_id);
    r->options = server.options;
    if (server.options->request_timeout > 0) {
      r->deadline = timer(server.options->request_timeout, [this, r = r.get()] {
        warn("request " + std::to_string(r->id) + " timed out after " +
             std::to_string(server.options->request_timeout) + " s");
        end_request(*r, 1, kRequestComplete);
      });
    }
    requests.emplace(record.request_id, std::move(r));
    ++server.active_requests;
  }
}

void Connection::params(RequestState& r, std::string_view content) {
  if (r.params_done) {
    protocol_error("FCGI_PARAMS after the end of the parameters");
    return;
  }
  if (!content.empty()) {
    if (content.size() >
        server.options->max_params - std::min(server.options->max_params, r.params_stream.size())) {
      protocol_error("FCGI_PARAMS larger than max_params (" +
                     std::to_string(server.options->max_params) + " bytes)");
      return;
    }
    r.params_stream.append(content);
    return;
  }
  if (!decode_pairs(r.params_stream, r.params)) {
    protocol_error("malformed name-value pairs in FCGI_PARAMS");
    return;
  }
  r.params_stream = std::string();
  r.params_done = true;
  r.expected_length = content_length(r.params);
}

void Connection::stdin_data(RequestState& r, std::string_view content) {
  if (!r.params_done) {
    protocol_error("FCGI_STDIN before the end of FCGI_PARAMS");
    return;
  }
  if (r.stdin_done) {
    protocol_error("FCGI_STDIN after the end of FCGI_STDIN");
    return;
  }
  if (!content.empty()) {
    r.received_length += content.size();
    // The body is kept only while it fits the declared length and max_stdin.
    if (r.expected_length <= server.options->max_stdin && r.received_length <= r.expected_length) {
      r.body.append(content);
    }
    return;
  }
  r.stdin_done = true;
  if (r.received_length != r.expected_length || r.body.size() != r.expected_length) {
    std::string out;
    append_stream(out, kStdout, r.id, kExpectationFailed);
    append_record(out, kStdout, r.id, "");
    write(out);
    r.done = true;
    end_request(r, 0, kRequestComplete);
    return;
  }
  start(r.shared_from_this());
}

void Connection::start(std::shared_ptr<RequestState> r) {
  http::fcgi::Request& request = r->request;
  const http::fcgi::ServerOptions& opts = *r->options;
  http::fcgi::Request::invoke_wrapped(request, [&] { opts.on_request(request); });
}

void Connection::get_values(std::string_view content) {
  std::map<std::string, std::string> asked;
  if (!decode_pairs(content, asked)) {
    protocol_error("malformed name-value pairs in FCGI_GET_VALUES");
    return;
  }
  const http::fcgi::ServerOptions& opts = *server.options;
  std::string body;
  for (const auto& [name, value] : asked) {
    if (name == "FCGI_MAX_CONNS") {
      encode_pair(body, name, std::to_string(opts.max_conns));
    } else if (name == "FCGI_MAX_REQS") {
      encode_pair(body, name, std::to_string(opts.max_reqs));
    } else if (name == "FCGI_MPXS_CONNS") {
      encode_pair(body, name, opts.multiplex ? "1" : "0");
    }
  }
  std::string out;
  append_record(out, kGetValuesResult, 0, body.substr(0, kMaxContent));
  write(out);
}

void Connection::end_request(RequestState& r, std::uint32_t app_status,
                             std::uint8_t protocol_status) {
  std::string out;
  append_end_request(out, r.id, app_status, protocol_status);
  write(out);
  std::shared_ptr<RequestState> keep = r.shared_from_this();
  r.conn = nullptr;
  r.deadline = Timer();
  requests.erase(r.id);
  --server.active_requests;
  if (!keep_conn && requests.empty()) {
    close("", true);
  } else {
    update_read_timeout();
  }
}

void Connection::refuse(std::uint16_t id, std::uint8_t protocol_status) {
  std::string out;
  append_end_request(out, id, 0, protocol_status);
  write(out);
  if (!keep_conn && requests.empty()) close("", true);
}

void Connection::update_read_timeout() {
  bool arriving = false;
  for (const auto& [id, r] : requests) arriving = arriving || !r->stdin_done;
  handle.rtimeout(arriving ? server.options->read_timeout : 0);
}

void Connection::close(std::string_view why, bool flush) {
  if (closed) return;
  closed = true;
  if (!why.empty()) warn(why);
  for (auto& [id, r] : requests) {
    r->conn = nullptr;
    r->deadline = Timer();
  }
  server.active_requests -= requests.size();
  // Freeing the requests here makes their wrapped callbacks no-ops (a callback running now
  // keeps its request until it returns).
  requests.clear();
  if (!flush) handle.linger(0);
  handle.destroy();
  server.retire(*this);
}

}  // namespace ae::http_internal::fcgi

namespace ae::http::fcgi {

using http_internal::fcgi::append_record;
using http_internal::fcgi::append_stream;
using http_internal::fcgi::kStderr;
using http_internal::fcgi::kStdout;

// ---- Request
// --------------------------------------------------------------------------------------

const std::map<std::string, std::string>& Request::params() const noexcept {
  return state_->params;
}

std::string_view Request::param(std::string_view name) const {
  auto it = state_->params.find(std::string(name));
  return it == state_->params.end() ? std::string_view() : std::string_view(it->second);
}

const std::string& Request::body() const noexcept { return state_->body; }
std::uint16_t Request::id() const noexcept { return state_->id; }
bool Request::is_done() const noexcept { return state_->done; }
bool Request::alive() const noexcept { return state_->conn != nullptr && !state_->done; }

void Request::send(std::string_view bytes) {
  if (!alive() || bytes.empty()) return;
  std::string out;
  append_stream(out, kStdout, state_->id, bytes);
  state_->conn->write(out);
}

void Request::log(std::string_view text) {
  if (!alive() || text.empty()) return;
  std::string out;
  append_stream(out, kStderr, state_->id, text);
  state_->conn->write(out);
}

void Request::done(std::uint32_t app_status) {
  if (state_->done) throw std::logic_error("ae::http::fcgi::Request: this request already done()");
  state_->done = true;
  http_internal::fcgi::Connection* conn = state_->conn;
  if (conn == nullptr) return;
  std::string out;
  append_record(out, kStdout, state_->id, "");
  conn->write(out);
  // Last: this may free the request.
  conn->end_request(*state_, app_status, http_internal::fcgi::kRequestComplete);
}

Request& Request::request_of(internal::RequestState& state) noexcept { return state.request; }

std::weak_ptr<internal::RequestState> Request::weak_state() const noexcept {
  return state_->weak_from_this();
}

void Request::invoke_wrapped(Request& request, Function<void()> body) {
  std::shared_ptr<const ServerOptions> opts = request.state_->options;
  if (opts->pre) opts->pre(request);
  std::exception_ptr error;
  try {
    body();
  } catch (...) {
    error = std::current_exception();
  }
  if (opts->post) opts->post(request);
  if (!error) return;
  if (opts->error) {
    opts->error(request, error);
    return;
  }
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  core_log(LogLevel::kError, "ae::http::fcgi",
           "request " + std::to_string(request.id()) + " failed: " + what);
  if (request.alive()) {
    request.send("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n");
    request.done();
  }
}

// ---- Server
// ---------------------------------------------------------------------------------------

Server::Server(ServerOptions options)
    : impl_(std::make_shared<internal::ServerImpl>(std::move(options))) {}

Result<Server> Server::listen(std::string_view host, std::string_view service,
                              ServerOptions options) {
  Server server(std::move(options));
  std::weak_ptr<internal::ServerImpl> weak = server.impl_;
  Result<TcpServer> listener =
      tcp_server(host, service, [weak](int fd, const std::string&, std::uint16_t) {
        if (std::shared_ptr<internal::ServerImpl> impl = weak.lock()) {
          impl->serve(fd);
        } else {
          ::close(fd);
        }
      });
  if (!listener) return listener.error();
  server.impl_->listener = std::move(*listener);
  return server;
}

Server::Server(Server&&) noexcept = default;
Server& Server::operator=(Server&& other) noexcept {
  if (this != &other) {
    close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
Server::~Server() { close(); }

void Server::serve(int fd) {
  if (!impl_) throw std::logic_error("ae::http::fcgi::Server::serve: the server is closed");
  impl_->serve(fd);
}

std::uint16_t Server::port() const noexcept { return impl_ ? impl_->listener.port() : 0; }
std::size_t Server::connections() const noexcept { return impl_ ? impl_->connections.size() : 0; }
std::size_t Server::requests() const noexcept { return impl_ ? impl_->active_requests : 0; }

void Server::close() noexcept {
  if (!impl_) return;
  impl_->close_all();
  impl_.reset();
}

}  // namespace ae::http::fcgi
