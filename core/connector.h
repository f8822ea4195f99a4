// ae::Connector: "a connected TCP (or unix-domain) socket for host + service", the interface
// through which //handle connects without depending on //socket.
//
// //socket implements it (tcp_connect: Happy Eyeballs over the default ae::Resolver) and installs
// it as the process default when linked. Without //socket, default_connector() fails every
// request with a message saying to link //socket.
//
// Example:
//   ae::Guard g = ae::default_connector().connect(
//       "localhost", "80",
//       [](std::error_code ec, ae::Connection c) {
//         if (ec) return std::puts(c.error.c_str()), void();
//         // c.fd is connected and non-blocking; c.peer says where to.
//       },
//       [](int fd) { return ae::Seconds(5); });  // per-attempt timeout
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "core/function.h"
#include "core/guard.h"
#include "core/socket_address.h"
#include "core/watchers.h"

namespace ae {

struct Connection {
  int fd = -1;  // connected, non-blocking, close-on-exec; owned by the receiver
  SocketAddress peer;
  // On error, what failed for a person to read: the target, the address tried last, and why
  // ("connect to localhost:80 (last tried 127.0.0.1:80): Connection refused").
  std::string error;
  // AnyEvent's $retry: continues with the addresses not yet tried, and the connect callback runs
  // again later with the next success or the final error. The receiver closes `fd` first.
  Function<void()> retry;
};

// cb(error, connection): exactly once per outcome (and again after each retry()), never inside
// the call that started the connect; `connection.fd` is -1 on error.
using ConnectCallback = Function<void(std::error_code, Connection)>;

// Runs on each new socket before connect(2), e.g. to set socket options; returns the per-attempt
// timeout (zero: the OS's own).
using PrepareCallback = Function<Seconds(int fd)>;

class Connector {
 public:
  virtual ~Connector() = default;

  // Connects to `host`:`service` (`host` "unix/" with a path as `service` for unix sockets).
  // Destroying the returned Guard cancels every attempt, closes their sockets, and the callback
  // never runs.
  virtual Guard connect(std::string_view host, std::string_view service, ConnectCallback cb,
                        PrepareCallback prepare = nullptr) = 0;
};

// The process-wide connector (//socket's when it is linked). The reference stays valid for the
// whole program: it forwards each request to the connector installed at the time of the request,
// which the request keeps alive until its Guard goes. Thread safety: both functions may be called
// from any thread.
Connector& default_connector();
// Installs `connector` as the default (null: the one that fails every request). Requests already
// started finish on the connector they started on; a replaced connector goes with its last
// request (after the callback running then returns), or at once when it has none.
void set_default_connector(std::shared_ptr<Connector> connector);

// Error codes of the connector when //socket is not linked (category "ae.connect").
enum class ConnectError { kNoConnector = 1 };
const std::error_category& connect_category() noexcept;
std::error_code make_error_code(ConnectError e) noexcept;

}  // namespace ae

template <>
struct std::is_error_code_enum<ae::ConnectError> : std::true_type {};
