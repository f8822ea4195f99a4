// Connecting: what a Handle made with a host and a service needs to connect through
// ae::default_connector(), and to move on to the next address when the user calls AnyEvent's
// $retry. Private to //handle.
//
// The user's retry function of a connection stays valid only while that connection is the
// current one: each connection gets a fresh slot, and a retry function from an earlier
// connection (or of a destroyed Handle) finds its slot gone and does nothing.
//
// Example (the owner's side, as HandleImpl does it):
//   Connecting c("example.org", "80");
//   c.start([](int fd) { return Seconds(5); },
//           [&](std::error_code ec, Connection conn) {
//             if (ec) return fail(c.describe(ec));
//             Function<void()> retry = c.connected(std::move(conn.retry), [&] { ... c.next(); });
//             on_connect(conn.peer, std::move(retry));
//           });
//
// Thread safety: the loop's thread only, like the Handle.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "core/connector.h"
#include "core/function.h"
#include "core/guard.h"

namespace ae::handle_internal {

class Connecting {
 public:
  Connecting(std::string_view host, std::string_view service) : host_(host), service_(service) {}
  Connecting(const Connecting&) = delete;
  Connecting& operator=(const Connecting&) = delete;

  const std::string& host() const noexcept { return host_; }
  const std::string& service() const noexcept { return service_; }

  // Starts connecting: `prepare` runs with each attempt's socket before its connect(2) and
  // returns the attempt's timeout; `done` runs once per outcome (and again after each next()),
  // never inside this call. Destroying this object or cancel() stops it: `done` then never runs.
  void start(PrepareCallback prepare, ConnectCallback done);

  // A connection succeeded: keeps the connector's way on to the next address (`connector_next`,
  // Connection::retry) and returns the user's retry function for this connection, which runs
  // `on_retry` when called while this connection is the current one.
  Function<void()> connected(Function<void()> connector_next, Function<void()> on_retry);
  // True while a connection's way on to the next address is kept.
  bool can_retry() const noexcept { return static_cast<bool>(next_); }
  // Moves on to the next address: the current connection's retry function goes dead, and
  // `done` runs again with the next outcome. The caller closed the connection's fd first.
  void next();
  // Stops connecting and forgets the current connection's retry.
  void cancel();

  // The message for a connect error: host:service as format_hostport writes it ("[::1]:80",
  // "unix/:/path"), then what went wrong.
  std::string describe(std::error_code ec) const;

 private:
  std::string host_;
  std::string service_;
  Guard guard_;
  Function<void()> next_;
  // The current connection's on_retry; the user's retry function holds it weakly.
  std::shared_ptr<Function<void()>> current_;
};

}  // namespace ae::handle_internal
