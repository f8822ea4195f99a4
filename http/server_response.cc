// ae::http::ServerRequest's accessors and ae::http::ServerResponse: the head, body framing
// (Content-Length, chunked, until close), HEAD, backpressure.
#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>

#include "core/loop.h"
#include "http/internal/server_impl.h"
#include "http/status.h"

namespace ae::http {

std::string_view ServerRequest::path() const noexcept {
  std::string_view t = target_;
  return t.substr(0, t.find('?'));
}

std::string_view ServerRequest::query() const noexcept {
  std::string_view t = target_;
  std::size_t q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

std::string_view ServerRequest::param(std::string_view name) const {
  auto it = params_.find(name);
  return it == params_.end() ? std::string_view() : std::string_view(it->second);
}

void ServerResponse::status(int code) noexcept { x_->status = code; }
int ServerResponse::status() const noexcept { return x_->status; }
Headers& ServerResponse::headers() noexcept { return x_->headers; }

void ServerResponse::send(std::string_view body) {
  if (x_->ended) return;
  // The head and a small body leave in one write.
  std::shared_ptr<http_internal::HttpConnection> pin;
  std::optional<http_internal::HttpConnection::Cork> cork;
  if (x_->conn != nullptr) {
    pin = x_->conn->shared_from_this();
    cork.emplace(*pin);
  }
  if (!x_->head_sent) x_->send_head(body.size());
  x_->write_body(body);
  x_->finish();
}

void ServerResponse::write(std::string_view bytes) {
  if (x_->ended) return;
  if (!x_->head_sent) x_->send_head(std::nullopt);
  x_->write_body(bytes);
}

void ServerResponse::end() { x_->finish(); }
void ServerResponse::on_drain(Function<void()> cb) { x_->set_on_drain(std::move(cb)); }
void ServerResponse::on_close(Function<void()> cb) { x_->on_close = std::move(cb); }
bool ServerResponse::ended() const noexcept { return x_->ended || x_->conn == nullptr; }
bool ServerResponse::head_sent() const noexcept { return x_->head_sent; }

}  // namespace ae::http

namespace ae::http_internal {
namespace {

bool is_managed_field(std::string_view name) {
  return http::iequals(name, "Connection") || http::iequals(name, "Transfer-Encoding") ||
         http::iequals(name, "Date") || http::iequals(name, "Keep-Alive");
}

}  // namespace

void Exchange::send_head(std::optional<std::uint64_t> length) {
  if (head_sent || conn == nullptr) return;
  head_sent = true;
  const http::ServerOptions& o = conn->worker.shared->options;
  int code = status;
  bool bodiless = !http::status_has_body(code);
  head_only = bodiless || request.method() == "HEAD";
  keep_alive = conn->keep_alive_allowed();

  // Written straight into the connection's gathering buffer, sent when the cork lifts.
  HttpConnection::Cork cork(*conn);
  std::string& head = conn->out;
  head += "HTTP/1.1 ";
  char digits[8];
  auto [code_end, code_ec] = std::to_chars(digits, digits + sizeof digits, code);
  head.append(digits, code_end);
  head += ' ';
  std::string_view reason = http::reason_phrase(code);
  head += reason.empty() ? std::string_view("Unknown") : reason;
  head += "\r\nDate: ";
  head += conn->worker.date();
  head += "\r\n";
  if (!o.server_name.empty() && !headers.contains("Server")) {
    head += "Server: ";
    head += o.server_name;
    head += "\r\n";
  }
  std::optional<std::uint64_t> user_length;
  for (const http::Headers::Field& f : headers) {
    if (is_managed_field(f.name)) continue;
    if (http::iequals(f.name, "Content-Length")) {
      std::uint64_t n = 0;
      auto [p, ec] = std::from_chars(f.value.data(), f.value.data() + f.value.size(), n);
      if (ec == std::errc() && p == f.value.data() + f.value.size()) user_length = n;
      continue;
    }
    head += f.name;
    head += ": ";
    head += f.value;
    head += "\r\n";
  }
  if (!length) length = user_length;
  if (!bodiless) {
    if (length) {
      declared_length = length;
      char digits[24];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, *length);
      head += "Content-Length: ";
      head.append(digits, end);
      head += "\r\n";
    } else if (request.version() >= 11) {
      chunked = true;
      head += "Transfer-Encoding: chunked\r\n";
    } else {
      keep_alive = false;  // the body runs until the connection closes
    }
  } else if (code == 304 && length) {
    // Nothing: a 304 describes the selected representation, but its length is optional.
  }
  if (!keep_alive) {
    head += "Connection: close\r\n";
  } else if (request.version() == 10) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
}

void Exchange::write_body(std::string_view bytes) {
  if (ended || conn == nullptr || bytes.empty()) return;
  if (declared_length) {
    std::uint64_t room = *declared_length - std::min(*declared_length, body_sent);
    if (bytes.size() > room) bytes = bytes.substr(0, room);
  }
  body_sent += bytes.size();
  if (head_only || bytes.empty()) return;
  HttpConnection& c = *conn;
  if (chunked) {
    HttpConnection::Cork cork(c);
    char size[20];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    c.write(std::string_view(size, static_cast<std::size_t>(n)));
    c.write(bytes);
    c.write("\r\n");
  } else {
    c.write(bytes);
  }
}

void Exchange::finish() {
  if (ended) return;
  if (conn == nullptr) {
    ended = true;
    return;
  }
  if (!head_sent) send_head(0);
  if (chunked && !head_only) conn->write("0\r\n\r\n");
  // A body shorter than its Content-Length leaves the client waiting: only closing ends it.
  if (declared_length && body_sent < *declared_length && !head_only) keep_alive = false;
  ended = true;
  on_drain = nullptr;
  on_close = nullptr;
  file.reset();
  conn->response_done(*this);
}

void Exchange::lost() {
  conn = nullptr;
  file.reset();
  on_drain = nullptr;
  if (ended) return;
  if (Function<void()> cb = std::move(on_close)) {
    // Never inside the call that closed the connection (which may be the handler's own).
    postpone([self = shared_from_this(), cb = std::move(cb)]() mutable { cb(); });
  }
}

void Exchange::set_on_drain(Function<void()> cb) {
  on_drain = std::move(cb);
  if (on_drain && conn != nullptr) {
    // Setting the Handle's callback again makes it run soon if the buffer is already drained.
    HttpConnection* c = conn;
    c->handle.on_drain([c](Handle&) {
      auto pin = c->shared_from_this();
      c->drained();
    });
  }
}

void Exchange::drained() {
  if (Function<void()> cb = std::move(on_drain)) cb();
}

}  // namespace ae::http_internal
