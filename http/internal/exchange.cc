#include "http/internal/exchange.h"

#include <cerrno>
#include <cstdio>
#include <exception>
#include <utility>

#include "core/loop.h"
#include "http/method.h"
#include "http/status.h"
#include "socket/connect.h"
#include "tls/error.h"
#include "tls/filter.h"

namespace ae::http::client_internal {
namespace {

// The most bytes of a redirect's body kept for Response::redirect (the rest is read and dropped).
constexpr std::size_t kMaxRedirectBody = 1 << 20;
// Write-buffer level below which a streamed body's producer is asked for more.
constexpr std::size_t kUploadLowWater = 64 * 1024;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

bool is_redirect(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

// Fields the client always writes itself.
bool client_owned(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Expect");
}

}  // namespace

Exchange::Exchange(std::string_view method, std::string url, Options options, ResponseCallback cb)
    : method_(upper(method)),
      url_text_(std::move(url)),
      opt_(std::move(options)),
      cb_(std::move(cb)) {
  persistent_ = opt_.persistent.value_or(is_idempotent(method_));
  if (opt_.headers.has_token("Connection", "close")) persistent_ = false;
  redirects_left_ = opt_.recurse;
  hop_body_ = !opt_.body.empty() || static_cast<bool>(opt_.body_producer);
}

Exchange::~Exchange() = default;

void Exchange::start() {
  if (finished_) return;
  self_ = shared_from_this();
  if (!is_token(method_)) {
    fail(kStatusOtherError, std::make_error_code(std::errc::invalid_argument),
         "bad request method \"" + method_ + "\"");
    return;
  }
  if (opt_.recurse < 0) {
    fail(kStatusOtherError, Error::kTooManyRedirects, "Too many redirections");
    return;
  }
  if (opt_.total_timeout > 0) {
    total_timer_ = timer(opt_.total_timeout, [this] {
      auto keep = shared_from_this();
      fail_transport(
          std::make_error_code(std::errc::timed_out),
          "Request timed out after " + seconds_text(opt_.total_timeout) + " s (total timeout)");
    });
  }
  begin_hop();
}

double Exchange::phase_timeout(const std::optional<double>& specific) const noexcept {
  return specific.value_or(opt_.timeout);
}

void Exchange::arm_phase_timer(double seconds, std::string what) {
  phase_timer_.reset();
  if (seconds <= 0) return;
  phase_timer_ = timer(seconds, [this, seconds, what = std::move(what)] {
    auto keep = shared_from_this();
    fail_transport(std::make_error_code(std::errc::timed_out),
                   what + " timed out after " + seconds_text(seconds) + " s");
  });
}

// ---- Hops -----------------------------------------------------------------------------------

void Exchange::begin_hop() {
  Result<http_internal::Url> url = http_internal::parse_url(url_text_);
  if (!url) {
    fail(kStatusOtherError, url.code(), url.message());
    return;
  }
  url_ = std::move(*url);
  Result<std::optional<http_internal::Proxy>> proxy = http_internal::choose_proxy(url_, opt_.proxy);
  if (!proxy) {
    fail(kStatusOtherError, proxy.code(), proxy.message());
    return;
  }
  proxy_ = std::move(*proxy);
  if (url_.https() && !tls_ctx_) {
    try {
      tls_ctx_ = opt_.tls ? *opt_.tls : tls::default_context();
    } catch (const std::exception& e) {
      fail(kStatusConnectError, tls::Error::kInternal, std::string("TLS: ") + e.what());
      return;
    }
  }
  key_ = ConnectionKey{url_.scheme,
                       url_.host,
                       url_.port,
                       proxy_ ? proxy_->text : std::string(),
                       url_.https() ? static_cast<const void*>(tls_ctx_.state().get()) : nullptr,
                       opt_.connector,
                       opt_.session_id};
  phase_ = Phase::kWaitSlot;
  Pool& pool = pool_for(Loop::current());
  slot_wait_ = pool.acquire(url_.host, [this](Slot slot) {
    auto keep = shared_from_this();
    on_slot(std::move(slot));
  });
}

void Exchange::on_slot(Slot slot) {
  slot_ = std::move(slot);
  slot_wait_.dismiss();
  if (persistent_ && !retried_) {
    if (std::unique_ptr<Connection> c = pool_for(Loop::current()).take_idle(key_)) {
      conn_reused_ = true;
      attach(std::move(c));
      send_request();
      return;
    }
  }
  connect();
}

void Exchange::connect() {
  phase_ = Phase::kConnecting;
  conn_reused_ = false;
  const std::string host = proxy_ ? proxy_->host : url_.host;
  const std::uint16_t port = proxy_ ? proxy_->port : url_.port;
  const double limit = phase_timeout(opt_.connect_timeout);
  const std::string where =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  arm_phase_timer(limit, "Connection to " + where);
  auto prepare = [this, limit](int fd) -> Seconds {
    if (opt_.on_prepare) return opt_.on_prepare(fd);
    return Seconds(limit);
  };
  auto connected = [this, where](std::error_code ec, ae::Connection c) {
    auto keep = shared_from_this();
    connecting_.dismiss();
    if (ec) {
      std::string why = ec.message();
      fail(kStatusConnectError, ec,
           (proxy_ ? "cannot connect to the proxy " : "cannot connect to ") + where + ": " + why);
      return;
    }
    on_connected(c.fd);
  };
  connecting_ =
      opt_.connector != nullptr
          ? opt_.connector->connect(host, std::to_string(port), std::move(connected),
                                    std::move(prepare))
          : tcp_connect(host, std::to_string(port), std::move(connected), std::move(prepare));
}

void Exchange::on_connected(int fd) {
  phase_timer_.reset();
  pool_for(Loop::current()).note_connection_made();
  auto conn = std::make_unique<Connection>();
  conn->key = key_;
  try {
    conn->handle = Handle(fd, {.no_delay = opt_.connection.no_delay,
                               .keepalive = opt_.connection.keepalive,
                               .read_size = opt_.connection.read_size,
                               .max_read_size = opt_.connection.max_read_size,
                               .peername = url_.host});
  } catch (const std::exception& e) {
    ::close(fd);
    fail(kStatusConnectError, std::make_error_code(std::errc::bad_file_descriptor), e.what());
    return;
  }
  attach(std::move(conn));
  if (proxy_ && url_.https()) {
    send_connect();
  } else if (url_.https()) {
    start_tls();
  } else {
    send_request();
  }
}

void Exchange::attach(std::unique_ptr<Connection> conn) {
  conn_ = std::move(conn);
  ++conn_->requests;
  Handle& h = conn_->handle;
  h.on_read([this](Handle& handle) {
    auto keep = shared_from_this();
    on_read(handle);
  });
  h.on_eof([this](Handle&) {
    auto keep = shared_from_this();
    on_eof();
  });
  h.on_error([this](Handle&, bool, std::error_code ec, std::string_view message) {
    auto keep = shared_from_this();
    on_io_error(ec, message);
  });
  auto idle_expired = [this](Handle&) {
    auto keep = shared_from_this();
    double idle = phase_timeout(opt_.idle_timeout);
    fail_transport(std::make_error_code(std::errc::timed_out),
                   "no data from the server for " + seconds_text(idle) + " s (idle timeout)");
  };
  h.on_rtimeout(idle_expired);
  h.on_wtimeout(idle_expired);
  // Bounds what waits in the buffer: an unfinished header (Beast stops at its own limit first),
  // chunk-size line or trailer.
  h.rbuf_max(opt_.max_header_size + 64 * 1024);
}

void Exchange::send_connect() {
  phase_ = Phase::kProxyConnect;
  arm_phase_timer(phase_timeout(opt_.tls_timeout), "The proxy's answer to CONNECT");
  parser_.emplace(http_internal::ParserLimits{.header_limit = opt_.max_header_size});
  parser_->skip_body();  // a 2xx answer to CONNECT has no body, whatever it says
  std::string req = "CONNECT " + url_.authority_with_port() +
                    " HTTP/1.1\r\nHost: " + url_.authority_with_port() +
                    "\r\nUser-Agent: " + std::string(kUserAgent) + "\r\n";
  if (!proxy_->authorization.empty())
    req += "Proxy-Authorization: " + proxy_->authorization + "\r\n";
  req += "\r\n";
  if (opt_.on_request) {
    opt_.on_request(req);
    if (finished_) return;
  }
  conn_->handle.push_write(req);
}

void Exchange::on_tunnel_answer() {
  http_internal::ResponseHead& head = parser_->head();
  if (head.status >= 200 && head.status < 300) {
    parser_.reset();
    start_tls();
    return;
  }
  // The proxy's own answer, as AnyEvent::HTTP gives it.
  Response r;
  r.status = head.status;
  r.reason = head.reason;
  r.http_version = head.version == 10 ? "1.0" : "1.1";
  r.headers = std::move(head.headers);
  r.error = Error::kProxyRefused;
  r.url = url_.text;
  release_connection(false);
  finish(std::string(), std::move(r));
}

void Exchange::start_tls() {
  phase_ = Phase::kTls;
  arm_phase_timer(phase_timeout(opt_.tls_timeout), "TLS handshake with " + url_.host);
  Handle& h = conn_->handle;
  h.on_starttls([this](Handle&, bool ok, std::error_code ec, std::string_view message) {
    auto keep = shared_from_this();
    on_tls(ok, ec, message);
  });
  try {
    // The port keys the session cache: a session of host:443 is not offered to host:8443.
    h.starttls(std::make_unique<tls::Filter>(tls_ctx_, tls::Role::kConnect, url_.host, url_.port));
  } catch (const std::exception& e) {
    fail(kStatusConnectError, tls::Error::kInternal, std::string("TLS: ") + e.what());
  }
}

void Exchange::on_tls(bool ok, std::error_code ec, std::string_view message) {
  if (!ok) {
    fail(kStatusConnectError, ec,
         "TLS handshake with " + url_.host + " failed: " + std::string(message));
    return;
  }
  phase_timer_.reset();
  conn_->handle.on_starttls(nullptr);
  send_request();
}

std::string Exchange::request_head() const {
  const bool via_proxy = proxy_ && !url_.https();
  std::string head = method_;
  head += ' ';
  head += via_proxy ? url_.absolute_form() : url_.target;
  head += " HTTP/1.1\r\n";

  Headers h;
  h.add("Host", url_.authority());
  h.add("User-Agent", kUserAgent);
  h.add("Accept", "*/*");
  if (opt_.decompress) h.add("Accept-Encoding", "gzip, deflate");
  if (!persistent_) h.add("Connection", "close");
  if (url_.has_userinfo)
    h.add("Authorization", http_internal::basic_authorization(url_.user, url_.password));
  if (via_proxy && !proxy_->authorization.empty()) {
    h.add("Proxy-Authorization", proxy_->authorization);
  }
  // The caller's fields replace the defaults of the same name; an empty one only removes it.
  for (const Headers::Field& f : opt_.headers) h.erase(f.name);
  for (const Headers::Field& f : opt_.headers) {
    if (f.value.empty() || client_owned(f.name)) continue;
    if (left_origin_ && (iequals(f.name, "Authorization") || iequals(f.name, "Cookie"))) continue;
    h.add(f.name, f.value);
  }
  if (opt_.cookie_jar != nullptr) {
    std::string jar = opt_.cookie_jar->cookie_header(url_.text, ae::now());
    if (!jar.empty()) {
      std::string given(h.value("Cookie"));
      h.set("Cookie", given.empty() ? jar : given + "; " + jar);
    }
  }
  if (hop_body_) {
    if (opt_.body_producer && !opt_.body_length) {
      h.add("Transfer-Encoding", "chunked");
    } else {
      h.add("Content-Length",
            std::to_string(opt_.body_producer ? *opt_.body_length : opt_.body.size()));
    }
    if (opt_.expect_continue) h.add("Expect", "100-continue");
  } else if (method_ == "POST" || method_ == "PUT" || method_ == "PATCH") {
    h.add("Content-Length", "0");
  }
  h.append_to(head);
  head += "\r\n";
  return head;
}

void Exchange::send_request() {
  phase_ = Phase::kRequest;
  got_byte_ = false;
  header_done_ = false;
  redirecting_ = false;
  body_sent_ = false;
  body_started_ = false;
  waiting_continue_ = false;
  must_close_ = false;
  upload_written_ = 0;
  body_.clear();
  decoder_.reset();
  parser_.emplace(http_internal::ParserLimits{.header_limit = opt_.max_header_size});
  if (method_ == "HEAD") parser_->skip_body();

  std::string head = request_head();
  if (opt_.on_request) {
    opt_.on_request(head);
    if (finished_) return;
  }
  Handle& h = conn_->handle;
  h.wtimeout(phase_timeout(opt_.idle_timeout));
  if (!hop_body_) {
    h.push_write(head);
    request_sent();
    return;
  }
  if (opt_.expect_continue) {
    h.push_write(head);
    waiting_continue_ = true;
    continue_timer_ = timer(opt_.expect_timeout, [this] {
      auto keep = shared_from_this();
      if (waiting_continue_) start_body();
    });
    return;
  }
  if (!opt_.body_producer && opt_.body.size() <= 64 * 1024) {
    // One write for a small request.
    head += opt_.body;
    h.push_write(head);
    body_started_ = true;
    request_sent();
    return;
  }
  h.push_write(head);
  start_body();
}

void Exchange::start_body() {
  waiting_continue_ = false;
  continue_timer_.reset();
  body_started_ = true;
  Handle& h = conn_->handle;
  if (!opt_.body_producer) {
    h.push_write(opt_.body);
    request_sent();
    return;
  }
  chunked_upload_ = !opt_.body_length.has_value();
  h.autocork(true);  // a chunk's size line, data and CRLF go out in one write
  h.low_water_mark(kUploadLowWater);
  // Runs soon (the buffer is below the mark now), then each time it drains again.
  h.on_drain([this](Handle&) {
    auto keep = shared_from_this();
    if (!body_sent_ && !producing_) call_producer();
  });
}

void Exchange::call_producer() {
  producing_ = true;
  opt_.body_producer(BodyWriter(weak_from_this()));
  producing_ = false;
}

void Exchange::body_write(std::string_view bytes) {
  if (finished_ || body_sent_ || !body_started_ || !conn_ || bytes.empty()) return;
  Handle& h = conn_->handle;
  if (chunked_upload_) {
    char size_line[24];
    int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", bytes.size());
    h.push_write(std::string_view(size_line, static_cast<std::size_t>(n)));
    h.push_write(bytes);
    h.push_write("\r\n");
  } else {
    if (upload_written_ + bytes.size() > *opt_.body_length) {
      fail(kStatusCancelled, Error::kAborted,
           "the body producer wrote more than body_length (" + std::to_string(*opt_.body_length) +
               " bytes)");
      return;
    }
    h.push_write(bytes);
  }
  upload_written_ += bytes.size();
}

void Exchange::body_end(const Headers& trailers) {
  if (finished_ || body_sent_ || !body_started_ || !conn_) return;
  if (chunked_upload_) {
    std::string last = "0\r\n";
    trailers.append_to(last);
    last += "\r\n";
    conn_->handle.push_write(last);
  } else if (upload_written_ != *opt_.body_length) {
    fail(kStatusCancelled, Error::kAborted,
         "the body producer ended after " + std::to_string(upload_written_) + " of " +
             std::to_string(*opt_.body_length) + " bytes");
    return;
  }
  request_sent();
}

void Exchange::body_fail(std::string why) {
  if (finished_) return;
  fail(kStatusCancelled, Error::kAborted, std::move(why));
}

std::size_t Exchange::body_pending() const noexcept {
  return conn_ ? conn_->handle.wbuf().size() : 0;
}

void Exchange::request_sent() {
  body_sent_ = true;
  Handle& h = conn_->handle;
  h.on_drain(nullptr);
  h.autocork(false);
  h.wtimeout(0);
  if (!got_byte_) {
    arm_phase_timer(phase_timeout(opt_.first_byte_timeout), "Waiting for the response");
  }
}

// ---- Response -------------------------------------------------------------------------------

void Exchange::on_read(Handle& h) {
  if (finished_ || !conn_ || !parser_) return;
  if (phase_ != Phase::kProxyConnect && phase_ != Phase::kRequest) return;
  if (phase_ == Phase::kRequest && !got_byte_ && !h.rbuf().empty()) on_first_byte();
  while (!finished_ && conn_ && parser_) {
    std::size_t used = 0;
    http_internal::ParseEvent ev = parser_->parse(h.rbuf().view(), used);
    switch (ev) {
      case http_internal::ParseEvent::kNeedMore:
        h.rbuf().consume(used);
        return;
      case http_internal::ParseEvent::kHeader:
        h.rbuf().consume(used);
        if (phase_ == Phase::kProxyConnect) {
          on_tunnel_answer();
          return;  // the rest of the buffer belongs to TLS
        }
        on_response_header();
        break;
      case http_internal::ParseEvent::kBody:
        on_body_piece(parser_->body());
        if (finished_ || !conn_) return;
        h.rbuf().consume(used);
        break;
      case http_internal::ParseEvent::kComplete:
        h.rbuf().consume(used);
        on_response_complete();
        return;
      case http_internal::ParseEvent::kError:
        fail(header_done_ || redirecting_ ? kStatusBodyError : kStatusProtocolError,
             parser_->error(), parser_->error_message());
        return;
    }
  }
}

void Exchange::on_first_byte() {
  got_byte_ = true;
  phase_timer_.reset();
  conn_->handle.rtimeout(phase_timeout(opt_.idle_timeout));
}

void Exchange::on_response_header() {
  http_internal::ResponseHead& head = parser_->head();
  const int status = head.status;
  if (status >= 100 && status < 200 && status != 101) {
    // Interim answers are skipped; 100 Continue releases a held-back body.
    if (status == 100 && waiting_continue_) start_body();
    parser_.emplace(http_internal::ParserLimits{.header_limit = opt_.max_header_size});
    if (method_ == "HEAD") parser_->skip_body();
    return;
  }
  resp_ = Response{};
  resp_.status = status;
  resp_.reason = head.reason;
  resp_.http_version = head.version == 10 ? "1.0" : "1.1";
  resp_.headers = std::move(head.headers);
  resp_.url = url_.text;
  resp_.redirect = chain_;
  if (waiting_continue_ || (body_started_ && !body_sent_)) {
    // The server answered before taking the body: stop sending it; the connection cannot
    // carry another request.
    waiting_continue_ = false;
    continue_timer_.reset();
    body_sent_ = true;
    must_close_ = true;
    conn_->handle.on_drain(nullptr);
  }
  if (status == 101) must_close_ = true;
  if (opt_.cookie_jar != nullptr) opt_.cookie_jar->store(url_.text, resp_.headers, ae::now());

  if (is_redirect(status) && resp_.headers.contains("Location") && opt_.recurse > 0) {
    if (redirects_left_ <= 0) {
      fail(kStatusOtherError, Error::kTooManyRedirects,
           "Too many redirections (more than " + std::to_string(opt_.recurse) + ")");
      return;
    }
    redirecting_ = true;  // read its body, then follow
    return;
  }
  header_done_ = true;
  on_final_header();
}

bool Exchange::on_final_header() {
  if (opt_.on_header) {
    bool go_on = opt_.on_header(resp_);
    if (finished_) return false;
    if (!go_on) {
      fail(kStatusCancelled, Error::kAborted, "Request cancelled by on_header");
      return false;
    }
  }
  const bool has_body = method_ != "HEAD" && status_has_body(resp_.status) &&
                        parser_->content_length().value_or(1) != 0;
  if (opt_.want_body_handle && has_body) {
    std::unique_ptr<Connection> c = std::move(conn_);
    Handle& h = c->handle;
    quiet(h);
    h.rbuf_max(std::nullopt);
    resp_.body_handle = std::move(h);
    finish(std::string(), std::move(resp_));
    return false;
  }
  if (opt_.decompress) {
    if (auto coding =
            http_internal::ContentDecoder::coding_for(resp_.headers.joined("Content-Encoding"))) {
      decoder_.emplace(*coding);
    }
  }
  return true;
}

void Exchange::on_body_piece(std::string_view piece) {
  if (redirecting_) {
    if (body_.size() < kMaxRedirectBody) {
      body_.append(piece.substr(0, kMaxRedirectBody - body_.size()));
    }
    return;
  }
  if (decoder_) {
    bool ok = decoder_->decode(piece, [this](std::string_view out) { return deliver(out); });
    if (finished_) return;
    if (!ok) fail(kStatusBodyError, Error::kBadContentEncoding, decoder_->error_message());
    return;
  }
  deliver(piece);
}

bool Exchange::deliver(std::string_view decoded) {
  if (opt_.on_body) {
    bool go_on = opt_.on_body(decoded, resp_);
    if (finished_) return false;
    if (!go_on) {
      fail(kStatusCancelled, Error::kAborted, "Request cancelled by on_body");
      return false;
    }
    return true;
  }
  body_.append(decoded);
  return true;
}

void Exchange::on_response_complete() {
  for (const Headers::Field& f : parser_->trailers()) resp_.headers.add(f.name, f.value);
  if (redirecting_) {
    follow_redirect();
    return;
  }
  if (decoder_ && !decoder_->finish()) {
    fail(kStatusBodyError, Error::kBadContentEncoding, decoder_->error_message());
    return;
  }
  const bool reusable =
      persistent_ && parser_->keep_alive() && !parser_->needs_eof() && body_sent_ && !must_close_;
  release_connection(reusable);
  finish(std::move(body_), std::move(resp_));
}

void Exchange::follow_redirect() {
  Result<std::string> next =
      http_internal::resolve_reference(url_.text, resp_.headers.value("Location"));
  if (!next) {
    fail(kStatusProtocolError, next.code(), next.message());
    return;
  }
  const int status = resp_.status;
  const bool reusable =
      persistent_ && parser_->keep_alive() && !parser_->needs_eof() && body_sent_ && !must_close_;
  release_connection(reusable);
  slot_.reset();
  phase_timer_.reset();

  auto hop = std::make_shared<Redirect>();
  hop->body = std::move(body_);
  hop->response = std::move(resp_);
  hop->response.redirect = chain_;
  chain_ = std::move(hop);

  if (status == 301 || status == 302 || status == 303) {
    if (method_ != "HEAD") method_ = "GET";
    hop_body_ = false;
  } else if (hop_body_ && opt_.body_producer) {
    fail(kStatusOtherError, Error::kCannotReplayBody,
         "a streamed body cannot be sent again for the " + std::to_string(status) + " redirect");
    return;
  }
  // Another origin (scheme, host or port, RFC 6454) does not get the caller's credentials: the
  // same host on another port may be another party's server, and http after https is readable.
  Result<http_internal::Url> target = http_internal::parse_url(*next);
  if (target &&
      (target->scheme != url_.scheme || target->host != url_.host || target->port != url_.port)) {
    left_origin_ = true;
  }
  url_text_ = std::move(*next);
  --redirects_left_;
  retried_ = false;
  begin_hop();
}

void Exchange::on_eof() {
  if (finished_) return;
  if (phase_ != Phase::kRequest || !parser_) {
    fail(kStatusConnectError, Error::kNoResponse,
         phase_ == Phase::kProxyConnect ? "the proxy closed the connection"
                                        : "the server closed the connection");
    return;
  }
  if (!got_byte_) {
    if (may_retry()) {
      retry();
      return;
    }
    fail(kStatusConnectError, Error::kNoResponse,
         "the server closed the connection without a response");
    return;
  }
  switch (parser_->finish()) {
    case http_internal::ParseEvent::kComplete:
      must_close_ = true;
      on_response_complete();
      return;
    case http_internal::ParseEvent::kNeedMore:
      fail(kStatusConnectError, Error::kNoResponse,
           "the server closed the connection without a final response");
      return;
    default:
      fail(header_done_ || redirecting_ ? kStatusBodyError : kStatusConnectError, parser_->error(),
           parser_->error_message());
      return;
  }
}

void Exchange::on_io_error(std::error_code ec, std::string_view message) {
  if (finished_) return;
  if (phase_ == Phase::kTls) {
    fail(kStatusConnectError, ec,
         "TLS handshake with " + url_.host + " failed: " + std::string(message));
    return;
  }
  if (ec == std::errc::broken_pipe && phase_ == Phase::kRequest) {
    // The peer closed while bytes it sent wait unparsed (an incomplete message), or while we
    // were still writing: what the response says so far decides, as at end-of-file.
    on_eof();
    return;
  }
  if (ec == std::errc::no_space_on_device) {
    fail(header_done_ || redirecting_ ? kStatusBodyError : kStatusProtocolError,
         Error::kHeaderTooLarge, "the response's header, chunk size line or trailer is too large");
    return;
  }
  if (phase_ == Phase::kRequest && !got_byte_ && may_retry()) {
    retry();
    return;
  }
  fail_transport(ec, std::string(message));
}

bool Exchange::may_retry() const noexcept {
  return conn_reused_ && !retried_ && !got_byte_ && is_idempotent(method_) &&
         !(hop_body_ && opt_.body_producer);
}

void Exchange::retry() {
  retried_ = true;
  release_connection(false);
  phase_timer_.reset();
  connect();
}

// ---- Endings --------------------------------------------------------------------------------

void Exchange::fail_transport(std::error_code ec, std::string message) {
  fail(header_done_ || redirecting_ ? kStatusBodyError : kStatusConnectError, ec,
       std::move(message));
}

void Exchange::fail(int status, std::error_code ec, std::string message) {
  if (finished_) return;
  Response r;
  if (header_done_ && (status == kStatusBodyError || status == kStatusCancelled)) {
    r = std::move(resp_);
    r.orig_status = r.status;
    r.orig_reason = r.reason;
  }
  r.status = status;
  r.reason = std::move(message);
  r.error = ec;
  r.url = url_.text.empty() ? url_text_ : url_.text;
  release_connection(false);
  finish(std::string(), std::move(r));
}

void Exchange::finish(std::string body, Response response) {
  if (finished_) return;
  finished_ = true;
  stop_all();
  response.redirect = chain_;
  ResponseCallback cb = std::move(cb_);
  cb_ = nullptr;
  std::shared_ptr<Exchange> keep = std::move(self_);
  if (cb) cb(std::move(body), std::move(response));
}

void Exchange::release_connection(bool reusable) {
  if (!conn_) return;
  std::unique_ptr<Connection> c = std::move(conn_);
  Handle& h = c->handle;
  quiet(h);
  if (reusable && !h.destroyed() && h.rbuf().empty() && h.wbuf().empty()) {
    pool_for(Loop::current()).put_idle(std::move(c));
    return;
  }
  h.linger(0);
  // Destroying the Handle is safe even inside its own callback.
}

void Exchange::stop_all() {
  phase_ = Phase::kDone;
  total_timer_.reset();
  phase_timer_.reset();
  continue_timer_.reset();
  slot_wait_.reset();
  connecting_.reset();
  release_connection(false);
  slot_.reset();
}

void Exchange::cancel_silently() {
  if (finished_) return;
  finished_ = true;
  cb_ = nullptr;
  stop_all();
  self_.reset();
}

void Exchange::cancel_with_callback() {
  if (finished_) return;
  stop_all();
  Loop::current().postpone([weak = weak_from_this()] {
    if (std::shared_ptr<Exchange> self = weak.lock()) {
      self->fail(kStatusCancelled, Error::kAborted, "Request cancelled");
    }
  });
}

}  // namespace ae::http::client_internal
