// One client connection of ae::http::Server: reading requests with Beast's parser, enforcing the
// limits, dispatching to the router, and moving on to the next (pipelined) request in order.
#include <sys/socket.h>
#include <algorithm>

#include <charconv>
#include <exception>
#include <string>
#include <utility>

#include "core/log_hook.h"
#include "core/loop.h"
#include "http/error.h"
#include "http/internal/server_impl.h"
#include "http/status.h"

namespace ae::http_internal {
namespace {

constexpr std::string_view kLogContext = "ae::http::server";
// How long a connection that we are closing after an error keeps reading (and dropping) what the
// client still sends, so that the client reads our answer instead of a reset.
constexpr double kLingerSeconds = 2;
// Pieces up to this size are gathered while corked; a larger one is not worth the copy.
constexpr std::size_t kMaxCorked = 16 * 1024;
// The gathering buffer's capacity kept between responses.
constexpr std::size_t kKeptOutCapacity = 4 * 1024;
// Answer bytes a connection may have waiting for the client before it takes the next pipelined
// request: a client that pipelines requests without reading the answers costs at most about this
// plus one answer, not every answer to what it sent.
constexpr std::size_t kMaxUnsentBeforeNext = 64 * 1024;

void log(LogLevel level, std::string_view message) {
  if (core_log_enabled(level, kLogContext)) core_log(level, kLogContext, message);
}

// obs-fold (a field line continued on the next line) and a CR not followed by LF are refused:
// different parsers read them differently, which is what request smuggling lives on.
bool has_fold_or_bare_cr(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && (i + 1 >= raw.size() || raw[i + 1] != '\n')) return true;
    if (raw[i] == '\n' && i + 1 < raw.size() && (raw[i + 1] == ' ' || raw[i + 1] == '\t')) {
      return true;
    }
  }
  return false;
}

}  // namespace

HttpConnection::HttpConnection(Worker& w, int fd, std::string host, std::uint16_t port, Guard slot)
    : worker(w),
      handle(fd,
             {
                 .on_error =
                     [this](Handle&, bool fatal, std::error_code, std::string_view message) {
                       if (!fatal) return;
                       auto pin = shared_from_this();
                       log(LogLevel::kDebug,
                           "connection from " + peer_host + ": " + std::string(message));
                       close();
                     },
                 .on_read =
                     [this](Handle&) {
                       auto pin = shared_from_this();
                       process();
                     },
                 .on_eof =
                     [this](Handle&) {
                       auto pin = shared_from_this();
                       peer_eof = true;
                       // Pipelined requests may still wait in the buffer for their turn.
                       if (phase == Phase::kDraining ||
                           (phase == Phase::kIdle && handle.rbuf().empty())) {
                         close();
                       } else {
                         process();
                       }
                     },
                 .on_drain =
                     [this](Handle&) {
                       auto pin = shared_from_this();
                       drained();
                     },
                 .on_rtimeout =
                     [this](Handle&) {
                       auto pin = shared_from_this();
                       handle.rtimeout(0);
                       body_timeout_on = false;
                       if (phase == Phase::kReading) fail(408, "the body stalled");
                     },
                 .on_wtimeout =
                     [this](Handle&) {
                       auto pin = shared_from_this();
                       log(LogLevel::kInfo, "client " + peer_host + " stopped reading; closing");
                       // What it did not read is dropped: lingering to flush it would keep the
                       // socket and the bytes for a client that is not reading.
                       close(/*drop_unsent=*/true);
                     },
                 .no_delay = true,
                 .tls = w.shared->options.tls
                            ? FilterFactory([&w](Handle& h) { return w.shared->options.tls(h); })
                            : FilterFactory(),
             }),
      peer_host(std::move(host)),
      peer_port(port),
      slot(std::move(slot)) {}

HttpConnection::~HttpConnection() = default;

void HttpConnection::start() {
  double idle = worker.shared->options.idle_timeout;
  if (idle > 0) wait_until(Wait::kIdle, ae::now() + idle);
}

void HttpConnection::wait_until(Wait what, double at) {
  waiting = what;
  wait_at = at;
  if (armed_at != 0 && armed_at <= at) return;
  double after = std::max(0.0, at - ae::now());
  if (deadline) {
    deadline.set(after);
  } else {
    deadline = timer(after, [this] {
      auto pin = shared_from_this();
      armed_at = 0;
      deadline_passed();
    });
  }
  armed_at = at;
}

void HttpConnection::deadline_passed() {
  if (waiting == Wait::kNothing) return;
  // The loop's clock and the timer's may differ by a little: a millisecond early is on time.
  if (wait_at - ae::now() > 0.001) {
    wait_until(waiting, wait_at);
    return;
  }
  Wait what = std::exchange(waiting, Wait::kNothing);
  switch (what) {
    case Wait::kIdle:
      if (phase == Phase::kIdle) close();
      break;
    case Wait::kHeader:
      if (phase == Phase::kReading && !parser->header_done()) fail(408, "header too slow");
      break;
    case Wait::kLinger:
      close();
      break;
    case Wait::kNothing:
      break;
  }
}

void HttpConnection::write(std::string_view bytes) {
  if (corked > 0 && out.size() + bytes.size() <= kMaxCorked) {
    out.append(bytes);
    return;
  }
  flush_out();
  handle.push_write(bytes);
  if (!handle.wbuf().empty()) arm_write_timeout();
}

void HttpConnection::arm_write_timeout() {
  double t = worker.shared->options.write_timeout;
  if (t > 0 && !write_timeout_on) {
    write_timeout_on = true;
    handle.wtimeout(t);
  }
}

void HttpConnection::disarm_write_timeout() {
  if (write_timeout_on && handle.wbuf().empty()) {
    write_timeout_on = false;
    handle.wtimeout(0);
  }
}

bool HttpConnection::send_out_before_body() {
  if (out.empty()) return true;
  if (!handle.wbuf().empty() || handle.filter() != nullptr || handle.fd() < 0) {
    flush_out();
    return false;
  }
  ssize_t n = ::send(handle.fd(), out.data(), out.size(), MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n == static_cast<ssize_t>(out.size())) {
    out.clear();
    return true;
  }
  if (n > 0) out.erase(0, static_cast<std::size_t>(n));
  flush_out();  // the Handle sends the rest, or raises the error the send met
  return false;
}

void HttpConnection::flush_out() {
  if (out.empty()) return;
  handle.push_write(out);
  out.clear();
  if (out.capacity() > kKeptOutCapacity) std::string().swap(out);
  // The write timeout counts only while the client leaves data unread.
  if (!handle.wbuf().empty()) arm_write_timeout();
}

bool HttpConnection::keep_alive_allowed() const {
  const http::ServerOptions& o = worker.shared->options;
  return !close_after && !worker.shutting_down &&
         (o.max_requests_per_connection == 0 || served + 1 < o.max_requests_per_connection);
}

void HttpConnection::process() {
  Buffer& buf = handle.rbuf();
  if (phase == Phase::kDraining) {
    buf.clear();
    return;
  }
  if (phase == Phase::kHandling) {
    // Pipelined requests wait; stop reading once a good amount of them is buffered.
    if (buf.size() > worker.shared->options.max_header_size + 65536) handle.stop_read();
    return;
  }
  const http::ServerOptions& o = worker.shared->options;
  // Answers given in this pass (to every pipelined request already buffered) leave in one write.
  Cork cork(*this);
  bool outer = !std::exchange(in_process, true);
  struct Leave {
    HttpConnection& c;
    bool outer;
    ~Leave() {
      if (outer) c.in_process = false;
    }
  } leave{*this, outer};
  while (phase == Phase::kIdle || phase == Phase::kReading) {
    if (phase == Phase::kIdle) {
      if (buf.empty()) {
        if (peer_eof) close();
        return;
      }
      if (handle.wbuf().size() + out.size() > kMaxUnsentBeforeNext) {
        flush_out();
        if (handle.wbuf().size() > kMaxUnsentBeforeNext) {
          // drained() goes on once the client took what is waiting.
          waiting_for_client = true;
          waiting = Wait::kNothing;  // not idle: the write timeout watches the client now
          handle.stop_read();
          return;
        }
      }
      phase = Phase::kReading;
      waiting = Wait::kNothing;
      request_started = ae::now();
      parser.emplace(
          ParserLimits{.header_limit = o.max_header_size, .body_limit = o.max_body_size});
      current = std::make_shared<Exchange>(*this);
      current->request.peer_host_ = peer_host;
      current->request.peer_port_ = peer_port;
    }
    // Called with an empty buffer too: a message without a body is complete after its header.
    std::size_t used = 0;
    ParseEvent ev = parser->parse(buf.view(), used);
    switch (ev) {
      case ParseEvent::kNeedMore:
        buf.consume(used);
        if (peer_eof) {
          close();
          return;
        }
        // The header timer runs only while a header is incomplete: most requests arrive whole.
        if (!parser->header_done() && o.header_timeout > 0 && waiting != Wait::kHeader) {
          wait_until(Wait::kHeader, request_started + o.header_timeout);
        }
        return;
      case ParseEvent::kHeader:
        if (!check_header(buf.view().substr(0, used))) return;
        buf.consume(used);
        break;
      case ParseEvent::kBody:
        current->request.body_.append(parser->body());
        buf.consume(used);
        break;
      case ParseEvent::kComplete:
        buf.consume(used);
        if (body_timeout_on) {
          body_timeout_on = false;
          handle.rtimeout(0);
        }
        waiting = Wait::kNothing;
        phase = Phase::kHandling;
        dispatch();
        // A response finished inside the handler left the phase idle: go on with the next
        // pipelined request here, after the handler returned.
        break;
      case ParseEvent::kError: {
        std::error_code ec = parser->error();
        if (ec == http::Error::kHeaderTooLarge && !parser->header_done()) {
          // Beast consumes the request line once it is whole; until then the line is too long.
          std::size_t eol = buf.view().find("\r\n");
          bool long_line = parser->head().method.empty() &&
                           (eol == std::string_view::npos || eol > o.max_uri_length);
          fail(long_line ? 414 : 431, parser->error_message());
        } else if (ec == http::Error::kBodyTooLarge) {
          fail(413, parser->error_message());
        } else if (ec == http::Error::kBadVersion) {
          fail(505, parser->error_message());
        } else {
          fail(400, parser->error_message());
        }
        return;
      }
    }
  }
}

bool HttpConnection::check_header(std::string_view raw) {
  const http::ServerOptions& o = worker.shared->options;
  RequestHead& head = parser->head();
  http::ServerRequest& req = current->request;
  if (head.target.size() > o.max_uri_length) {
    fail(414, "request target longer than " + std::to_string(o.max_uri_length));
    return false;
  }
  if (head.headers.size() > o.max_header_count) {
    fail(431, "more than " + std::to_string(o.max_header_count) + " header fields");
    return false;
  }
  if (has_fold_or_bare_cr(raw)) {
    fail(400, "obs-fold or bare CR in the header");
    return false;
  }
  if (head.version != 10 && head.version != 11) {
    fail(505, "HTTP version not supported");
    return false;
  }
  std::size_t hosts = 0;
  for (const http::Headers::Field& f : head.headers) hosts += http::iequals(f.name, "Host");
  if (hosts > 1 || (head.version == 11 && hosts == 0)) {
    fail(400, "a request needs exactly one Host field");
    return false;
  }
  if (head.headers.contains("Transfer-Encoding") && (head.version == 10 || !parser->chunked())) {
    fail(400, "Transfer-Encoding that does not end in chunked");
    return false;
  }
  std::optional<std::uint64_t> length = parser->content_length();
  if (length && *length > o.max_body_size) {
    fail(413, "Content-Length over the limit of " + std::to_string(o.max_body_size));
    return false;
  }
  req.method_ = std::move(head.method);
  req.target_ = std::move(head.target);
  req.version_ = head.version;
  req.headers_ = std::move(head.headers);
  if (!parser->keep_alive()) close_after = true;
  waiting = Wait::kNothing;
  bool has_body = parser->chunked() || (length && *length > 0);
  if (has_body && o.body_timeout > 0) {
    body_timeout_on = true;
    handle.rtimeout(o.body_timeout);
  }
  if (std::optional<std::string_view> expect = req.headers_.get("Expect")) {
    if (!http::iequals(*expect, "100-continue")) {
      fail(417, "unknown expectation");
      return false;
    }
    if (req.version_ == 11 && has_body) write("HTTP/1.1 100 Continue\r\n\r\n");
  }
  return true;
}

void HttpConnection::dispatch() {
  std::shared_ptr<Exchange> x = current;
  http::ServerRequest& req = x->request;
  http::ServerResponse& res = x->response;
  const http::Router& router = worker.shared->router;
  http::Router::Match m = router.match(req.method(), req.path());
  if (m.route == nullptr) {
    if (m.allowed.empty()) {
      res.headers().set("Content-Type", "text/plain; charset=utf-8");
      res.send(404, "404 Not Found\n");
    } else {
      res.headers().set("Allow", m.allowed);
      res.headers().set("Content-Type", "text/plain; charset=utf-8");
      res.send(405, "405 Method Not Allowed\n");
    }
    return;
  }
  req.params_ = std::move(m.params);
  auto failed = [x](const std::exception_ptr& e) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    log(LogLevel::kError, x->request.method() + " " + x->request.target() + ": " + what);
    if (x->ended) return;
    if (!x->head_sent) {
      x->headers.clear();
      x->headers.set("Content-Type", "text/plain; charset=utf-8");
      x->response.send(500, "500 Internal Server Error\n");
    } else if (x->conn != nullptr) {
      x->conn->close();
    }
  };
  try {
    if (m.route->handler) {
      m.route->handler(req, res);
      return;
    }
    Task<> task = m.route->coroutine(req, res);
    task.cv().cb([x, failed](CondVar<>& cv) {
      try {
        cv.recv();
      } catch (...) {
        failed(std::current_exception());
        return;
      }
      x->finish();
    });
  } catch (...) {
    failed(std::current_exception());
  }
}

void HttpConnection::fail(int status, std::string_view detail) {
  log(LogLevel::kInfo,
      "client " + peer_host + ": " + std::to_string(status) + " " + std::string(detail));
  if (phase == Phase::kClosed || phase == Phase::kDraining) return;
  close_after = true;
  std::shared_ptr<Exchange> x = current;
  if (x == nullptr || x->head_sent) {
    close();
    return;
  }
  if (parser && parser->header_done()) {
    // The request line is known: keep it for the access log.
  } else {
    x->request.method_ = "-";
  }
  phase = Phase::kHandling;
  x->headers.clear();
  x->headers.set("Content-Type", "text/plain; charset=utf-8");
  std::string body = std::to_string(status) + " " + std::string(http::reason_phrase(status)) + "\n";
  x->response.send(status, body);
}

void HttpConnection::response_done(Exchange& x) {
  if (current.get() != &x) return;
  ++served;
  const http::ServerOptions& o = worker.shared->options;
  if (o.on_access) o.on_access(x.request, x.status, x.body_sent);
  std::shared_ptr<Exchange> done = std::move(current);
  done->conn = nullptr;
  bool keep = done->keep_alive && keep_alive_allowed() && !(peer_eof && handle.rbuf().empty());
  parser.reset();
  if (!keep) {
    close_after_flush();
    return;
  }
  phase = Phase::kIdle;
  if (o.idle_timeout > 0) wait_until(Wait::kIdle, ae::now() + o.idle_timeout);
  if (worker.shutting_down) {
    close_after_flush();
    return;
  }
  handle.start_read();
  // Inside process() its loop goes on with the next pipelined request once the handler returned.
  if (in_process) return;
  // The next pipelined request runs from the loop, not inside the handler that just ended.
  postpone([weak = weak_from_this()] {
    if (std::shared_ptr<HttpConnection> self = weak.lock()) {
      if (self->phase == Phase::kIdle) self->process();
    }
  });
}

void HttpConnection::drained() {
  disarm_write_timeout();
  if (current && current->on_drain) current->drained();
  if (waiting_for_client && phase == Phase::kIdle) {
    waiting_for_client = false;
    handle.start_read();
    process();
  }
}

void HttpConnection::close_after_flush() {
  if (phase == Phase::kClosed || phase == Phase::kDraining) return;
  phase = Phase::kDraining;
  current.reset();
  flush_out();
  handle.push_shutdown();
  handle.rtimeout(0);
  body_timeout_on = false;
  wait_until(Wait::kLinger, ae::now() + kLingerSeconds);
  process();
}

void HttpConnection::close(bool drop_unsent) {
  if (phase == Phase::kClosed) return;
  phase = Phase::kClosed;
  if (drop_unsent) handle.linger(0);
  deadline = Timer();
  waiting = Wait::kNothing;
  out.clear();
  if (std::shared_ptr<Exchange> x = std::move(current)) x->lost();
  handle.destroy();
  worker.remove(*this);
}

}  // namespace ae::http_internal
