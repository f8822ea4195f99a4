// ae::http::fcgi: a FastCGI responder (FCGI::EV with FCGI::EV::Std::Nonblock's request API).
//
// A web server (nginx's fastcgi_pass, Apache's mod_proxy_fcgi, cgi-fcgi) connects over TCP or a
// unix-domain socket and sends requests; for each one the Server collects the CGI environment
// (FCGI_PARAMS) and the body (FCGI_STDIN), then calls on_request with a Request. The
// application answers with send() (CGI output: header lines, a blank line, the body) and done(),
// now or later from a callback made with wrap_cb().
//
// Example (examples/fcgi_hello runs this behind nginx):
//   ae::Result<ae::http::fcgi::Server> server = ae::http::fcgi::Server::listen(
//       "unix/", "/run/hello.sock", {
//         .on_request = [](ae::http::fcgi::Request& r) {
//           r.data = std::make_shared<ae::Timer>(ae::timer(1, r.wrap_cb([](ae::http::fcgi::Request&
//           r) {
//             r.send("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
//             r.send("Reply after 1 sec!");
//             r.done();
//           })));
//         },
//       });
//
// Behaviour kept from FCGI::EV::Std::Nonblock: on_request (START) runs once the whole body is
// in, through the wrapper: pre (PRE), on_request, post (POST), then error (ERROR) if it threw.
// A body whose length differs from CONTENT_LENGTH (including one over max_stdin) is answered
// with "Status: 417 Expectation Failed" without calling on_request. send() after done() or
// after the web server hung up is a silent no-op; a second done() throws std::logic_error.
// When the request goes away (done, the web server hangs up or aborts it, a timeout), every
// callback made by wrap_cb() becomes a no-op: that is how work for a dead request stops.
//
// Beyond the seed: FCGI_KEEP_CONN is honoured (the connection stays open for the next request),
// several requests may share one connection (multiplexing), FCGI_ABORT_REQUEST ends a request,
// FCGI_GET_VALUES is answered (FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS), log() writes to
// FCGI_STDERR (nginx puts it in its error log), output is split into records of at most 65535
// bytes, and there are timeouts: between reads while a request is still arriving, and overall
// per request.
//
// Errors: protocol errors from the web server (a bad version, a record for the wrong stream,
// malformed name-value pairs, PARAMS larger than max_params) close that connection and are
// reported through ae::core_log (context "ae::http::fcgi", level warn); they never throw.
//
// Thread safety: a Server and its Requests belong to the loop that was current when the Server
// was made; use them on that loop's thread.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/function.h"
#include "core/result.h"

namespace ae::http_internal::fcgi {
struct Connection;
struct ServerImpl;
struct RequestState;
}  // namespace ae::http_internal::fcgi

namespace ae::http::fcgi {

class Request;
namespace internal = ::ae::http_internal::fcgi;

// The request hooks: PRE, POST and ERROR of FCGI::EV::Std::Nonblock, and START as on_request.
using RequestCallback = Function<void(Request&)>;
using ErrorCallback = Function<void(Request&, std::exception_ptr)>;

struct ServerOptions {
  // START: runs once per request, after the body arrived, between pre and post. Required.
  RequestCallback on_request{};
  // PRE and POST: run before and after on_request and every callback made by wrap_cb().
  RequestCallback pre{};
  RequestCallback post{};
  // ERROR: runs after post when on_request or a wrapped callback threw, with the exception.
  // Without it, the exception is logged (level error) and, unless the request is done, it is
  // answered with "Status: 500 Internal Server Error". Exceptions from pre, post and error
  // themselves are not caught (as in the seed): they leave the loop's run().
  ErrorCallback error{};

  // The most body bytes kept ($FCGI::EV::Std::MAX_STDIN); a longer body is answered with 417.
  std::size_t max_stdin = 1 << 20;
  // The most bytes of CGI environment (the encoded FCGI_PARAMS stream) per request.
  std::size_t max_params = 1 << 20;
  // Seconds without a byte from the web server while a request is still arriving, after which
  // the connection is closed (0: no limit). An idle kept-alive connection has no limit.
  double read_timeout = 180;
  // Seconds a request may live from its FCGI_BEGIN_REQUEST to done() (0: no limit). When it
  // passes, the request ends (an empty reply with app status 1: the web server answers 502) and
  // its wrapped callbacks become no-ops.
  double request_timeout = 4 * 3600;
  // Connections served at once; further ones are closed at once. Reported as FCGI_MAX_CONNS.
  std::size_t max_conns = 1024;
  // Requests in progress at once over all connections; further ones are refused with
  // FCGI_OVERLOADED. Reported as FCGI_MAX_REQS.
  std::size_t max_reqs = 1024;
  // Whether one connection may carry several requests at once (FCGI_MPXS_CONNS); when false a
  // second request on a busy connection is refused with FCGI_CANT_MPX_CONN.
  bool multiplex = true;
};

// One FastCGI request. It lives while the web server's connection does and done() was not
// called; user code gets it by reference in callbacks and must not keep that reference beyond
// them (wrap_cb() is the way to come back to it later).
class Request {
 public:
  // The CGI environment (FCGI_PARAMS): REQUEST_METHOD, SCRIPT_NAME, QUERY_STRING, HTTP_* ...
  const std::map<std::string, std::string>& params() const noexcept;
  // One parameter, or "" when absent.
  std::string_view param(std::string_view name) const;
  // The request body (FCGI_STDIN), complete and of length CONTENT_LENGTH.
  const std::string& body() const noexcept;
  // The FastCGI request id on its connection.
  std::uint16_t id() const noexcept;

  // Sends (part of) the CGI reply as FCGI_STDOUT records of at most 65535 bytes. A silent no-op
  // after done() or once the web server is gone.
  void send(std::string_view bytes);
  // Sends `text` as FCGI_STDERR (the web server's error log). A no-op when send() would be.
  void log(std::string_view text);
  // Finishes the reply (an empty FCGI_STDOUT, then FCGI_END_REQUEST with `app_status`). The
  // connection is then closed unless the web server asked to keep it (FCGI_KEEP_CONN).
  // Errors: std::logic_error "this request already done()" on a second call. After the web
  // server hung up or aborted the request, done() is a silent no-op.
  void done(std::uint32_t app_status = 0);
  // True after done().
  bool is_done() const noexcept;
  // True while the reply can still reach the web server (not done, not hung up or aborted).
  bool alive() const noexcept;

  // Returns a callable that, while this request lives, runs pre, cb(request, args...), post and
  // (if cb threw) error; once the request is gone it does nothing. Use it for every callback
  // of work done for this request (timers, Handles, other requests). Each call of the returned
  // callable runs cb once; it never runs inside wrap_cb().
  template <class F>
  auto wrap_cb(F cb) {
    return [weak = weak_state(), cb = std::move(cb)](auto&&... args) mutable {
      std::shared_ptr<internal::RequestState> state = weak.lock();
      if (!state) return;
      Request& request = request_of(*state);
      invoke_wrapped(request, [&] { cb(request, std::forward<decltype(args)>(args)...); });
    };
  }

  // The application's own data for this request (FCGI::EV::Std::Nonblock's $this hash); freed
  // with the request.
  std::any data;

  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

 private:
  friend struct internal::RequestState;
  friend struct internal::ServerImpl;
  friend struct internal::Connection;
  explicit Request(internal::RequestState& state) noexcept : state_(&state) {}
  static Request& request_of(internal::RequestState& state) noexcept;
  std::weak_ptr<internal::RequestState> weak_state() const noexcept;
  // Runs body between the hooks, catching its exception for error.
  static void invoke_wrapped(Request& request, Function<void()> body);

  internal::RequestState* state_;
};

// A FastCGI responder: listens itself, or serves connections accepted elsewhere (serve()).
// Lifetime: destroying it (or close()) stops listening and closes every connection; requests
// then go away (their wrapped callbacks become no-ops). Safe to destroy inside any callback of
// its own requests.
class Server {
 public:
  // Listens on `host`:`service` as ae::tcp_server does ("unix/" and a path for a unix-domain
  // socket, port "0" for one the kernel picks).
  // Errors: returned (bind, listen, a bad address), as tcp_server returns them; a missing
  // on_request is a programmer error: std::invalid_argument.
  static Result<Server> listen(std::string_view host, std::string_view service,
                               ServerOptions options);

  // A server that does not listen: hand it connections with serve() (FCGI::EV->new($sock)).
  // Errors: std::invalid_argument without on_request.
  explicit Server(ServerOptions options);

  Server(Server&&) noexcept;
  Server& operator=(Server&&) noexcept;
  ~Server();

  // Serves the web server's connection `fd` (a connected stream socket; it becomes the
  // Server's to close).
  void serve(int fd);

  // The port listened on (0 for a unix-domain socket or without a listener).
  std::uint16_t port() const noexcept;
  // Connections and requests in progress now.
  std::size_t connections() const noexcept;
  std::size_t requests() const noexcept;

  // Stops listening and closes every connection (same as destroying the Server).
  void close() noexcept;

 private:
  std::shared_ptr<internal::ServerImpl> impl_;
};

}  // namespace ae::http::fcgi
