// ae::ReconnectingClient: a TCP client that stays connected (POE::Component::Client::TCP).
//
// It connects a Handle to host:service through ae::default_connector() (//socket's tcp_connect
// when linked), and whenever the connection fails or ends it connects again after a delay that
// grows exponentially with each failure in a row (initial_delay, times multiplier, up to
// max_delay), each delay shortened by a random part of up to `jitter` of it, so that many clients
// cut off at once do not come back in step. A connection that was established resets the
// growth. Every change of state is reported with its reason; writes pushed while disconnected,
// and writes the kernel had not taken when a connection broke, are sent on the next connection
// when keep_writes asks for it.
//
// It lives in //handle (as its own target, //handle:reconnect) because it is built on Handle,
// which //socket may not depend on; it reaches tcp_connect through core's Connector like every
// Handle does.
//
// Example (tests/handle/reconnect_test.cc runs it):
//   ae::ReconnectingClient client("127.0.0.1", "7000", {.keep_writes = true},
//       [](ae::ReconnectingClient& c, ae::ConnectionState state, std::error_code reason,
//          std::string_view message) {
//         if (state == ae::ConnectionState::kConnected)
//           c.handle()->push_read(ae::line, [](ae::Handle&, std::string line, std::string) {
//             // ...
//           });
//         if (state == ae::ConnectionState::kDisconnected)
//           std::printf("lost: %s; again in %.1f s\n", std::string(message).c_str(),
//                       c.retry_delay().count());
//       });
//   client.push_write("hello\n");   // sent once connected, also after a reconnect
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

#include "core/function.h"
#include "core/watchers.h"
#include "handle/handle.h"

namespace ae {

enum class ConnectionState {
  // A connect attempt is under way.
  kConnecting,
  // Connected: handle() is the connection; set up its reads now.
  kConnected,
  // The attempt failed or the connection ended; the next attempt starts after retry_delay().
  kDisconnected,
  // No further attempts: max_attempts failed in a row (reported), or stop() was called (not
  // reported: the caller knows).
  kStopped,
};

// Reasons of the client's own (category "ae.reconnect"); errno values and the connector's and
// Handle's errors are passed on as they are.
enum class ReconnectError {
  kEndOfFile = 1,  // the server closed the connection
  kGaveUp,         // max_attempts attempts failed in a row
};
const std::error_category& reconnect_category() noexcept;
std::error_code make_error_code(ReconnectError e) noexcept;

struct ReconnectOptions {
  // The delay before the first retry after a failure; each further failure in a row multiplies
  // it by `multiplier`, up to `max_delay`.
  Seconds initial_delay{0.5};
  Seconds max_delay{30};
  double multiplier = 2;
  // Each delay is drawn uniformly from [delay * (1 - jitter), delay]: never longer than the
  // schedule, never shorter than its (1 - jitter) part. 0 gives the plain schedule. In [0, 1].
  double jitter = 0.5;
  // Attempts that may fail in a row before the client stops (kStopped, kGaveUp); 0: no limit.
  std::size_t max_attempts = 0;
  // Each connect attempt's timeout (0: the kernel's own).
  Seconds connect_timeout{0};
  // Keeps writes across reconnects: what is pushed while not connected waits for the next
  // connection, and the writes the kernel had not wholly taken when a connection ended are sent
  // again, whole, on the next one (a write the old connection carried in part is sent again from
  // its start: at least once, never a torn message on the new connection). Without it such
  // writes are dropped. Bytes the kernel had taken are gone with the old connection either way.
  bool keep_writes = false;
  // The most bytes kept while disconnected; older writes are dropped first beyond it.
  std::size_t max_kept_bytes = 1 << 20;
};

class ReconnectingClient {
 public:
  // on_state(client, state, reason, message): every change of state, on the client's loop, never
  // inside the constructor or the call that caused it; `reason` and `message` say why for
  // kDisconnected and kStopped (clear for the others). Destroying the client, also inside the
  // callback, cancels everything; the callback never runs afterwards.
  using StateCallback = Function<void(ReconnectingClient& client, ConnectionState state,
                                      std::error_code reason, std::string_view message)>;

  // Starts connecting (from the loop, not inside the constructor).
  // Errors: std::invalid_argument for an empty callback, a multiplier below 1, a jitter outside
  // [0, 1] or negative delays.
  ReconnectingClient(std::string_view host, std::string_view service, ReconnectOptions options,
                     StateCallback on_state);
  ~ReconnectingClient();
  ReconnectingClient(const ReconnectingClient&) = delete;
  ReconnectingClient& operator=(const ReconnectingClient&) = delete;

  ConnectionState state() const noexcept { return state_; }
  // The connection while kConnected, else null. Read from it as from any Handle (push_read, or
  // an on_read of your own: the client's leaves what arrives in rbuf(), reading so that the end
  // of the connection is seen); do not replace its on_error, on_eof or connect callbacks (the
  // client's own), and write through push_write() below when writes are to be kept.
  Handle* handle() noexcept { return state_ == ConnectionState::kConnected ? &handle_ : nullptr; }
  // The delay before the next attempt while kDisconnected (zero otherwise).
  Seconds retry_delay() const noexcept { return retry_delay_; }
  // Attempts that failed in a row so far (0 once connected).
  std::size_t failures() const noexcept { return failures_; }
  // Bytes kept for a later connection (keep_writes): pushed while not connected, or pushed to
  // the connection and not yet wholly taken by its kernel.
  std::size_t kept_bytes() const noexcept { return kept_bytes_; }

  // Writes `bytes` to the connection, or keeps them for the next one (keep_writes). False, the
  // bytes dropped, when not connected and not keeping writes, or after stop().
  bool push_write(std::string_view bytes);

  // Connects at once, without waiting out the delay (while kDisconnected or kStopped).
  void reconnect_now();
  // Closes the connection (unwritten data is dropped, kept writes too) and makes no further
  // attempts: state() is kStopped at once, without a call of on_state. reconnect_now() starts
  // again.
  void stop();

 private:
  void connect();
  void connected();
  void lost(std::error_code reason, std::string_view message, bool was_connected);
  // Reports the state; false when on_state destroyed the client.
  bool set_state(ConnectionState state, std::error_code reason, std::string_view message);
  // Drops the kept writes the connection's kernel already took (keep_writes).
  void forget_written();
  // Keeps a write for the next connection, dropping the oldest beyond max_kept_bytes.
  void keep(std::string bytes);

  std::string host_;
  std::string service_;
  ReconnectOptions options_;
  StateCallback on_state_;
  ConnectionState state_ = ConnectionState::kConnecting;
  Handle handle_;
  Timer retry_;
  Seconds retry_delay_{0};
  std::size_t failures_ = 0;
  // Retries scheduled since the last connection: the exponent of the delay.
  int steps_ = 0;
  std::mt19937_64 random_;
  // Writes not yet wholly taken by the kernel (keep_writes): while connected, the writes pushed
  // to handle_ since the last pruning; while disconnected, those waiting for a connection.
  std::deque<std::string> kept_;
  std::size_t kept_bytes_ = 0;
  // Bytes pushed to handle_ on this connection, and the part of them pruned from kept_.
  std::uint64_t pushed_bytes_ = 0;
  std::uint64_t pruned_bytes_ = 0;
  // Set by the destructor: callbacks check it after running user code.
  std::shared_ptr<bool> alive_;
};

}  // namespace ae

template <>
struct std::is_error_code_enum<ae::ReconnectError> : std::true_type {};
