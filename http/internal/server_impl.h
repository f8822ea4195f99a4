// The HTTP server's state: one Worker per loop (its listener and connections), the connections,
// and the exchange (request + response) a connection is serving.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/loop.h"
#include "core/watchers.h"
#include "handle/handle.h"
#include "http/internal/parser.h"
#include "http/server.h"
#include "socket/server.h"

namespace ae::http_internal {

struct HttpConnection;
struct Worker;

// What every loop of a server shares, read-only once serving started.
struct ServerShared {
  http::Router router;
  http::ServerOptions options;
};

// One request and its response. Owned by its connection while that serves it, and by a
// coroutine handler until the coroutine returns.
struct Exchange : std::enable_shared_from_this<Exchange> {
  explicit Exchange(HttpConnection& c) noexcept : response(*this), conn(&c) {}
  static Exchange& of(http::ServerResponse& r) noexcept { return *r.x_; }

  void send_head(std::optional<std::uint64_t> length);
  void write_body(std::string_view bytes);
  void finish();
  // The connection went away before the response ended.
  void lost();
  void set_on_drain(Function<void()> cb);
  void drained();

  http::ServerRequest request;
  http::ServerResponse response;
  // Null once the connection is gone or has moved on to the next request.
  HttpConnection* conn;
  int status = 200;
  http::Headers headers;
  bool head_sent = false;
  bool ended = false;
  bool chunked = false;
  bool head_only = false;  // HEAD, 1xx, 204, 304: a head without a body
  bool keep_alive = true;  // what the head promised
  std::optional<std::uint64_t> declared_length;
  std::uint64_t body_sent = 0;
  Function<void()> on_drain;
  Function<void()> on_close;
  // State of a send_file() in progress (http/static_files.cc).
  std::shared_ptr<void> file;
};

struct OpenFile;
// Serves `file` for the exchange's request (Range, conditional GET); http/static_files.cc.
void send_open_file(Exchange& x, std::shared_ptr<const OpenFile> file);

struct HttpConnection : std::enable_shared_from_this<HttpConnection> {
  HttpConnection(Worker& w, int fd, std::string host, std::uint16_t port, Guard slot);
  ~HttpConnection();
  void start();

  // Response bytes go through write(): while corked they collect in `out` and leave in one
  // push_write (one send(2)) when the last cork is lifted, so a head and its body, and the
  // answers to a batch of pipelined requests, share a write. Large pieces go straight through.
  void write(std::string_view bytes);
  void flush_out();
  // For a body the server writes to the fd itself (sendfile): sends what is gathered straight
  // to the socket with MSG_MORE when the Handle has nothing queued and no filter; true when
  // nothing is left, else the rest went to the Handle (wait for its drain).
  bool send_out_before_body();
  // The write timeout runs while the client leaves data unread.
  void arm_write_timeout();
  void disarm_write_timeout();
  struct Cork {
    explicit Cork(HttpConnection& c) noexcept : conn(c) { ++conn.corked; }
    ~Cork() {
      if (--conn.corked == 0) conn.flush_out();
    }
    Cork(const Cork&) = delete;
    Cork& operator=(const Cork&) = delete;
    HttpConnection& conn;
  };

  void process();
  bool check_header(std::string_view raw);
  void dispatch();
  // Answers `status` with a short text body and closes the connection after it.
  void fail(int status, std::string_view detail);
  void response_done(Exchange& x);
  void drained();
  // Closes now; the exchange in progress sees on_close. Unsent bytes are still flushed after it
  // unless `drop_unsent` (a client that does not read, a shutdown past its deadline).
  void close(bool drop_unsent = false);
  // Sends what is queued, then closes, reading and dropping what the client still sends for a
  // moment so that it sees our answer rather than a reset.
  void close_after_flush();
  bool keep_alive_allowed() const;

  enum class Phase { kIdle, kReading, kHandling, kDraining, kClosed };
  // What the connection's one timer waits for.
  enum class Wait { kNothing, kIdle, kHeader, kLinger };
  // Waits for `what` until ae::now() reaches `at`. The timer is re-armed only when `at` comes
  // before the time it is armed for: a later deadline is found to be early when the timer fires,
  // which then re-arms it for the rest (the lazy timeouts of AnyEvent::Handle), so a kept-alive
  // connection does not touch the timer queue per request.
  void wait_until(Wait what, double at);
  void deadline_passed();

  Worker& worker;
  Handle handle;
  std::optional<RequestParser> parser;
  std::shared_ptr<Exchange> current;
  Phase phase = Phase::kIdle;
  Timer deadline;
  Wait waiting = Wait::kNothing;
  double wait_at = 0;
  double armed_at = 0;  // when `deadline` fires; 0 when disarmed
  double request_started = 0;
  std::string out;
  int corked = 0;
  bool in_process = false;  // inside process(): a response finished there continues its loop
  bool body_timeout_on = false;
  bool write_timeout_on = false;
  std::string peer_host;
  std::uint16_t peer_port;
  bool peer_eof = false;
  // This connection's place under ServerOptions::max_connections, given back when it goes.
  Guard slot;
  bool close_after = false;  // no further request on this connection
  // The next pipelined request waits until the client read what was answered so far.
  bool waiting_for_client = false;
  std::size_t served = 0;
};

struct Worker : std::enable_shared_from_this<Worker> {
  explicit Worker(std::shared_ptr<const ServerShared> s) : shared(std::move(s)) {}

  void accept(int fd, const std::string& host, std::uint16_t port, Guard slot);
  void remove(HttpConnection& c);
  void shutdown(double deadline_seconds, Function<void()> done);
  void close_all() noexcept;
  void check_shutdown_done();
  // The Date field's value, formatted once per second.
  const std::string& date();

  std::shared_ptr<const ServerShared> shared;
  TcpServer listener;
  std::map<HttpConnection*, std::shared_ptr<HttpConnection>> connections;
  bool shutting_down = false;
  Timer shutdown_timer;
  Function<void()> shutdown_done;
  std::string date_value;
  std::int64_t date_second = -1;
};

// One extra loop on its own thread, for threads = N.
struct WorkerThread {
  std::thread thread;
  Loop* loop = nullptr;
  std::shared_ptr<Worker> worker;
};

struct HttpServerImpl {
  std::shared_ptr<ServerShared> shared;
  std::shared_ptr<Worker> main;
  std::vector<std::unique_ptr<WorkerThread>> extra;
};

}  // namespace ae::http_internal
