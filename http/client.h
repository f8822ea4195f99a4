// The HTTP client: AnyEvent::HTTP for C++ (http_request, http_get, http_head, http_post).
//
// HTTP/1.1 over ae::Handle, with a per-loop keep-alive pool, redirects, proxies (plain and CONNECT
// tunnels), cookies, per-phase timeouts, gzip/deflate decoding, chunked bodies both ways, streaming
// downloads (on_body) and uploads (BodyWriter), TLS verified by default, and the connection handed
// over after the header when asked (want_body_handle). Responses are parsed by Boost.Beast's
// sans-I/O parser and URLs by Boost.URL.
//
// Example (callbacks; tests/http/client_test.cc runs the same):
//   ae::CondVar<> done;
//   ae::http::Request r = ae::http::http_get(
//       "http://127.0.0.1:8080/", {}, [&](std::string body, ae::http::Response hdr) {
//         if (hdr.status >= 595) std::cerr << hdr.status << " " << hdr.reason << "\n";
//         else std::cout << hdr.status << " " << hdr.headers.value("Content-Type") << "\n" << body;
//         done.send();
//       });
//   done.recv();
//
// Example (a coroutine on core's Task):
//   ae::Task<> fetch() {
//     ae::http::Reply r = co_await ae::http::get("https://example.org/");
//     std::cout << r.hdr.status << " " << r.body.size() << " bytes\n";
//   }
//
// The callback runs exactly once per request, from the loop, never inside the call that started
// the request, with the body and a Response (AnyEvent's %hdr): the status, reason, final URL,
// HTTP version, the header fields as received (trailer fields of a chunked body added at the
// end), the chain of redirects, and for failures one of the internal statuses below with a
// message in `reason` and the cause in `error`. Destroying the returned Request before the
// callback ran cancels it silently: the callback never runs after that (AnyEvent's guard).
// Request::cancel() instead ends it with 598 through the callback, and Request::detach() lets it
// finish without a guard (AnyEvent's void context).
//
// Internal statuses (AnyEvent::HTTP's, with the issue of "read errors" settled as below):
//   595  the connection failed before a complete response header: resolving, connecting, the
//        proxy's CONNECT, TLS (certificate, name, handshake), sending, reading, timeouts of those
//        phases, the peer closing or resetting;
//   596  the response header broke the protocol: malformed, too large, conflicting framing
//        (Content-Length with Transfer-Encoding), a bad Location;
//   597  the body failed after a good header: cut short, reset, an idle or total timeout, garbled
//        chunks, undecodable gzip (orig_status / orig_reason keep the real status);
//   598  cancelled: Request::cancel(), on_header or on_body returning false;
//   599  anything else: an unparsable URL, a scheme other than http/https, too many redirects, a
//        streamed body that a redirect would have to send again.
// A proxy that refuses a CONNECT tunnel gives its own status and reason, with
// error == http::Error::kProxyRefused.
//
// Where this differs from AnyEvent::HTTP: TLS certificates and host names are verified by default
// (tls_ctx "high"); no Referer is sent unless given; header names go out as given (defaults in
// their usual spelling), not "Ucfirst"-ed; URL user:password is sent as basic auth (AnyEvent
// ignores it); `recurse` counts redirects and one more than that is 599 (AnyEvent returns the
// last 3xx as it is; recurse = 0 still does that); Expect: 100-continue, streaming uploads,
// content decoding and no_proxy are supported; the pool is per loop, keyed by scheme, host, port,
// proxy and TLS context.
//
// Thread safety: requests belong to the loop that was current when they were made; each loop has
// its own pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "core/connector.h"
#include "core/function.h"
#include "core/task.h"
#include "core/watchers.h"
#include "handle/handle.h"
#include "http/cookie_jar.h"
#include "http/error.h"
#include "http/headers.h"
#include "tls/context.h"

namespace ae::http {

namespace client_internal {
class Exchange;
}

// The internal statuses (see above).
inline constexpr int kStatusConnectError = 595;
inline constexpr int kStatusProtocolError = 596;
inline constexpr int kStatusBodyError = 597;
inline constexpr int kStatusCancelled = 598;
inline constexpr int kStatusOtherError = 599;

struct Response;

// One redirect hop: the body and header of the 3xx response that was followed.
struct Redirect;

// AnyEvent::HTTP's %hdr.
struct Response {
  int status = 0;            // Status: the HTTP status, or an internal status 595-599
  std::string reason;        // Reason: the server's reason phrase, or what went wrong
  std::string url;           // URL: the URL of the last request made (after redirects)
  std::string http_version;  // HTTPVersion: "1.1" or "1.0"; "" when no response arrived
  Headers headers;           // the response's fields as received, then its trailer's fields
  std::shared_ptr<const Redirect> redirect;  // Redirect: the hop before this one, or null
  std::optional<int> orig_status;            // OrigStatus: the real status when the body failed
  std::string orig_reason;                   // OrigReason
  std::error_code error;  // why the request failed (internal statuses and refused tunnels)
  // want_body_handle: the connection, positioned at the start of the body (bytes that already
  // arrived are in its rbuf()); empty when the response has no body or the request failed.
  Handle body_handle;

  // True for the internal statuses 595-599.
  bool failed() const noexcept { return status >= 595 && status <= 599; }
};

struct Redirect {
  std::string body;
  Response response;
};

// The end of a request: cb(body, hdr). `body` is empty for failures, for on_body and for
// want_body_handle.
using ResponseCallback = Function<void(std::string body, Response hdr)>;

class BodyWriter;
// A streaming request body (see BodyWriter).
using BodyProducer = Function<void(BodyWriter writer)>;

// Settings of the Handle of each connection the client makes (AnyEvent's handle_params).
struct ConnectionSettings {
  // Each read asks for read_size bytes, doubling up to max_read_size while reads fill it: this
  // bounds the pieces on_body gets (before decoding) and the memory one read takes.
  std::size_t read_size = 2048;
  std::size_t max_read_size = 131072;
  bool no_delay = true;    // TCP_NODELAY
  bool keepalive = false;  // SO_KEEPALIVE
};

// The options of http_request, in this order for designated initializers. Every member has a
// default.
struct Options {
  // Extra request fields (case-insensitive, repeatable). A field given here replaces the client's
  // default of the same name (User-Agent, Accept, Accept-Encoding, Connection, ...); one given with
  // an empty value suppresses that default and is not sent (curl's -H "Name:", AnyEvent's undef).
  // Host, Content-Length and Transfer-Encoding are the client's to set.
  Headers headers{};

  // The request body, sent with a Content-Length.
  std::string body{};
  // Or a streamed body: `body_producer` is called (never inside http_request) when the body is to
  // be sent and again each time what it wrote so far has gone out, until it calls
  // BodyWriter::end(). With `body_length` it must write exactly that many bytes (Content-Length);
  // without, the body goes out chunked (trailer fields through end()). A streamed body is sent
  // once: a redirect that needs it again (307, 308) ends with 599 kCannotReplayBody, and a failed
  // reused connection is not retried.
  BodyProducer body_producer{};
  std::optional<std::uint64_t> body_length{};
  // Send "Expect: 100-continue" and hold the body back until the server's 100 Continue (or its
  // final answer, or expect_timeout seconds, as curl waits).
  bool expect_continue = false;
  double expect_timeout = 1.0;

  // Redirects to follow (AnyEvent's recurse; $MAX_RECURSE is 10). 0: a 3xx comes back as it is.
  // 301, 302 and 303 turn the request into a GET without a body (HEAD stays HEAD); 307 and 308
  // keep the method and body. A relative Location is resolved by RFC 3986. Authorization and
  // Cookie fields given in `headers` are dropped once a redirect leaves the original origin
  // (another scheme, host or port).
  int recurse = 10;

  // Timeouts in seconds; 0 turns one off. `timeout` is AnyEvent's: the default of every phase
  // below that is not given.
  double timeout = 300;
  std::optional<double> connect_timeout{};     // resolving and connecting (each address too)
  std::optional<double> tls_timeout{};         // the proxy's CONNECT answer and the TLS handshake
  std::optional<double> first_byte_timeout{};  // from the request sent to the response's 1st byte
  std::optional<double> idle_timeout{};        // between two reads (or writes) after that
  double total_timeout = 0;                    // the whole request, redirects included

  // Reuse connections from the loop's pool and return this one to it (AnyEvent's persistent).
  // Default: yes for idempotent methods (http/method.h), no for the others.
  std::optional<bool> persistent{};

  // The proxy: "http://[user:pass@]host[:port]" (port 1080 by default, as curl), "" for none.
  // nullopt: from the environment, as curl reads it (http_proxy for http URLs, https_proxy or
  // HTTPS_PROXY for https, all_proxy or ALL_PROXY for both; no_proxy or NO_PROXY lists hosts and
  // domains to reach directly, or "*"). Plain http goes to the proxy with the absolute URL; https
  // goes through a CONNECT tunnel and TLS to the origin inside it.
  std::optional<std::string> proxy{};

  // Cookies sent with and stored from every hop (it must outlive the request).
  CookieJar* cookie_jar = nullptr;

  // The TLS context for https: nullopt is ae::tls::default_context() (verifies the server's chain
  // against the system's CAs and its name against the URL's host, sends SNI). Turning
  // verification off is an explicit context with verify = false and verify_peername = "none".
  std::optional<tls::Context> tls{};

  // Makes the TCP connections (to the proxy when there is one) instead of ae::tcp_connect:
  // AnyEvent's tcp_connect option, for SOCKS and the like. It must outlive the request. Its
  // connections are pooled apart from the default connector's.
  Connector* connector = nullptr;
  // Runs on each new socket before connect(2); returns the attempt's timeout (AnyEvent's
  // on_prepare). Default: the connect timeout.
  Function<Seconds(int fd)> on_prepare{};
  // Runs with each request's head (request line and fields, as sent) just before it goes out:
  // every hop, retry and CONNECT. For logging and curl's -v.
  Function<void(std::string_view head)> on_request{};
  // Runs once with the final response's header (not for redirect hops, not for internal errors;
  // the hops are in hdr.redirect already); returning false ends the request with 598 (the
  // connection is closed).
  Function<bool(const Response& hdr)> on_header{};
  // Runs for each piece of the body as it arrives (decoded), instead of collecting it: the
  // callback then gets an empty body. Returning false ends the request with 598. Not called for
  // redirect hops.
  Function<bool(std::string_view piece, const Response& hdr)> on_body{};
  // After the final header, hand over the connection instead of reading the body (see
  // Response::body_handle). The connection is then the caller's and leaves the pool.
  bool want_body_handle = false;

  // Decode gzip and deflate bodies (and send "Accept-Encoding: gzip, deflate" unless `headers`
  // says otherwise). false: no Accept-Encoding, bodies exactly as sent.
  bool decompress = true;

  // The most bytes a response header (status line and fields) may take; more is 596.
  std::size_t max_header_size = 64 * 1024;
  // Part of the pool's key, to keep connections apart (AnyEvent's sessionid).
  std::string session_id{};
  // For new connections; a pooled connection keeps the settings it was made with.
  ConnectionSettings connection{};
};

// Writes a streamed request body (Options::body_producer). Copies refer to the same body; after
// the request ended every call is a silent no-op.
class BodyWriter {
 public:
  // Queues bytes of the body.
  void write(std::string_view bytes);
  // Ends the body; a chunked body gets `trailers` as its trailer fields.
  void end(const Headers& trailers = {});
  // Gives up: the request ends with 599 and `why`.
  void fail(std::string why);
  // Bytes queued but not yet taken by the kernel (to pace a producer).
  std::size_t pending() const noexcept;

 private:
  friend class client_internal::Exchange;
  explicit BodyWriter(std::weak_ptr<client_internal::Exchange> exchange)
      : exchange_(std::move(exchange)) {}
  std::weak_ptr<client_internal::Exchange> exchange_;
};

// A request in flight: the guard of http_request.
class [[nodiscard]] Request {
 public:
  Request() noexcept = default;
  Request(Request&&) noexcept = default;
  Request& operator=(Request&& other) noexcept;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;
  // Cancels the request silently if it has not finished: its callback never runs.
  ~Request();

  // Ends the request now with 598 "Request cancelled": the callback runs from the loop (never
  // inside this call), exactly once. No-op when it already finished.
  void cancel();
  // Cancels silently, as destroying does.
  void reset();
  // Lets the request run to its callback without a guard; this object becomes empty.
  void detach() noexcept;
  // True until the callback has run (or the request was cancelled).
  bool active() const noexcept;

 private:
  friend Request request(std::string_view, std::string_view, Options, ResponseCallback);
  explicit Request(std::shared_ptr<client_internal::Exchange> exchange) noexcept
      : exchange_(std::move(exchange)) {}
  std::shared_ptr<client_internal::Exchange> exchange_;
};

// AnyEvent::HTTP::http_request: `method` (upper-cased, like AnyEvent) on an absolute http or https
// `url`. Errors known at once (a bad URL, scheme or method) still come through `cb`, from the loop.
// Errors: std::invalid_argument for an empty `cb`.
Request request(std::string_view method, std::string_view url, Options options,
                ResponseCallback cb);

inline Request http_request(std::string_view method, std::string_view url, Options options,
                            ResponseCallback cb) {
  return request(method, url, std::move(options), std::move(cb));
}
inline Request http_get(std::string_view url, Options options, ResponseCallback cb) {
  return request("GET", url, std::move(options), std::move(cb));
}
inline Request http_head(std::string_view url, Options options, ResponseCallback cb) {
  return request("HEAD", url, std::move(options), std::move(cb));
}
// AnyEvent's http_post $url, $body, ...: the body given apart.
inline Request http_post(std::string_view url, std::string body, Options options,
                         ResponseCallback cb) {
  options.body = std::move(body);
  return request("POST", url, std::move(options), std::move(cb));
}

// ---- Coroutines -------------------------------------------------------------------------------

// What a request ends with.
struct Reply {
  std::string body;
  Response hdr;
};

// The request as a coroutine: co_await ae::http::fetch("PUT", url, options). It always finishes
// (with an internal status on failure) and never throws for a failed request; it cannot be
// cancelled from outside (use a total_timeout). The method and URL are copied before the call
// returns. (Overloads instead of a default argument: g++ 12 moves a defaulted class-type argument
// of a call inside a coroutine bytewise, which corrupts its strings.)
Task<Reply> fetch(std::string_view method, std::string_view url, Options options);
Task<Reply> fetch(std::string_view method, std::string_view url);
Task<Reply> get(std::string_view url, Options options);
Task<Reply> get(std::string_view url);

// ---- The pool ---------------------------------------------------------------------------------

// Limits of the current loop's connection pool.
struct PoolOptions {
  // Connections in use at once per host name (AnyEvent's $MAX_PER_HOST); requests beyond wait
  // in order. Also the most idle connections kept per (scheme, host, port, proxy, TLS context).
  std::size_t max_per_host = 4;
  // Connections in use at once in all.
  std::size_t max_total = 64;
  // Seconds an idle connection is kept (AnyEvent's $PERSISTENT_TIMEOUT).
  double idle_timeout = 3;
};

// What the current loop's pool holds.
struct PoolStats {
  std::size_t active = 0;   // connections in use (AnyEvent's $ACTIVE)
  std::size_t idle = 0;     // connections waiting for reuse
  std::size_t waiting = 0;  // requests waiting for a connection slot
  std::uint64_t connections_made = 0;
  std::uint64_t connections_reused = 0;
};

// Sets the current loop's pool limits (for requests made from then on).
void set_pool_options(const PoolOptions& options);
PoolOptions pool_options();
PoolStats pool_stats();
// Closes the current loop's idle connections.
void close_idle_connections();

// AnyEvent::HTTP's $USERAGENT default, sent unless Options::headers has a User-Agent.
inline constexpr std::string_view kUserAgent = "ae-http/1.0";

}  // namespace ae::http
