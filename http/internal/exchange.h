// Exchange: one http_request from start to its callback, across redirect hops and one retry.
//
// The phases of a hop: a pool slot, then an idle connection of the pool or a new one (connect,
// the proxy's CONNECT, TLS), the request (head, body or streamed body, 100-continue), the response
// (Beast's parser fed from the Handle's rbuf), then the connection back to the pool or closed.
//
// Lifetime: held by a shared_ptr from the Request guard and from itself while it runs; every
// entry point (a Handle, timer, connect or pool callback) keeps it alive for its own duration,
// so the caller's callback may destroy the guard anywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "core/guard.h"
#include "core/watchers.h"
#include "http/client.h"
#include "http/internal/decoder.h"
#include "http/internal/parser.h"
#include "http/internal/pool.h"
#include "http/internal/proxy.h"
#include "http/internal/url.h"
#include "tls/context.h"

namespace ae::http::client_internal {

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::string_view method, std::string url, Options options, ResponseCallback cb);
  ~Exchange();

  // Starts from the loop (never inside http_request).
  void start();
  // The guard went away: stop everything, never call back.
  void cancel_silently();
  // Request::cancel(): end with 598 from the loop.
  void cancel_with_callback();
  bool finished() const noexcept { return finished_; }

  // BodyWriter's calls.
  void body_write(std::string_view bytes);
  void body_end(const Headers& trailers);
  void body_fail(std::string why);
  std::size_t body_pending() const noexcept;

 private:
  enum class Phase {
    kNew,
    kWaitSlot,
    kConnecting,
    kProxyConnect,  // waiting for the proxy's answer to CONNECT
    kTls,
    kRequest,  // sending the request and reading the response
    kDone,
  };

  // ---- Hops ----
  void begin_hop();
  void on_slot(Slot slot);
  void connect();
  void on_connected(int fd);
  void send_connect();
  void start_tls();
  void on_tls(bool ok, std::error_code ec, std::string_view message);
  void attach(std::unique_ptr<Connection> conn);
  void send_request();
  std::string request_head() const;
  void start_body();
  void call_producer();
  void request_sent();

  // ---- Response ----
  void on_read(Handle& h);
  void on_first_byte();
  void on_response_header();
  bool on_final_header();
  void on_body_piece(std::string_view piece);
  bool deliver(std::string_view decoded);
  void on_response_complete();
  void on_eof();
  void on_io_error(std::error_code ec, std::string_view message);
  void on_tunnel_answer();
  void follow_redirect();
  bool may_retry() const noexcept;
  void retry();

  // ---- Endings ----
  // Fails with the status the phase calls for (595 before the header, 597 after).
  void fail_transport(std::error_code ec, std::string message);
  void fail(int status, std::error_code ec, std::string message);
  void finish(std::string body, Response response);
  void release_connection(bool reusable);
  // Stops timers, waits, connecting, and closes the connection.
  void stop_all();
  void arm_phase_timer(double seconds, std::string what);
  double phase_timeout(const std::optional<double>& specific) const noexcept;

  // What the request is.
  std::string method_;
  std::string url_text_;
  Options opt_;
  ResponseCallback cb_;
  bool persistent_ = true;
  int redirects_left_ = 0;
  bool hop_body_ = false;     // this hop sends a body (a 303 turns it off)
  bool left_origin_ = false;  // a redirect left the origin: drop Authorization and Cookie
  tls::Context tls_ctx_;

  // The current hop.
  http_internal::Url url_;
  std::optional<http_internal::Proxy> proxy_;
  ConnectionKey key_;
  Phase phase_ = Phase::kNew;
  Guard slot_wait_;
  Slot slot_;
  Guard connecting_;
  std::unique_ptr<Connection> conn_;
  bool conn_reused_ = false;
  bool retried_ = false;
  std::optional<http_internal::ResponseParser> parser_;
  bool got_byte_ = false;      // a byte of the response (of this hop) arrived
  bool header_done_ = false;   // the final response's header arrived
  bool body_sent_ = false;     // the whole request went out
  bool body_started_ = false;  // the body (or the producer) started
  bool waiting_continue_ = false;
  bool must_close_ = false;   // the connection may not be reused
  bool redirecting_ = false;  // the response is a redirect being read
  bool producing_ = false;    // inside the body producer
  bool chunked_upload_ = false;
  std::uint64_t upload_written_ = 0;

  // The response being read.
  Response resp_;
  std::string body_;
  std::optional<http_internal::ContentDecoder> decoder_;
  std::shared_ptr<const Redirect> chain_;

  Timer total_timer_;
  Timer phase_timer_;
  Timer continue_timer_;
  bool finished_ = false;
  std::shared_ptr<Exchange> self_;  // alive while running, detached or not
};

}  // namespace ae::http::client_internal
