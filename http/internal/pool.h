// The client's per-loop connection pool: connection slots per host and in all (requests beyond
// them wait in order), and idle keep-alive connections by key, most recently used first.
//
// Example (what an exchange does):
//   Pool& p = pool_for(ae::Loop::current());
//   ae::Guard wait = p.acquire("example.org", [&](Slot slot) {
//     std::unique_ptr<Connection> c = p.take_idle(key);   // or connect a new one
//     ...
//     p.put_idle(std::move(c));                            // when the response allows reuse
//   });                                                    // the slot is given back with `slot`
//
// Lifetime: the pool belongs to its loop; Slots and waits may outlive it (they then do nothing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/function.h"
#include "core/guard.h"
#include "core/loop.h"
#include "core/watchers.h"
#include "handle/handle.h"
#include "http/client.h"

namespace ae::http::client_internal {

// Connections are reused only for the same scheme, origin (or tunnel target), proxy, TLS context,
// connector and session id.
struct ConnectionKey {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  std::string proxy;
  const void* tls = nullptr;
  const void* connector = nullptr;  // Options::connector, null for the default
  std::string session;
  auto operator<=>(const ConnectionKey&) const = default;
};

// An open connection, in use by one exchange or idle in the pool.
struct Connection {
  ConnectionKey key;
  Handle handle;
  std::uint64_t requests = 0;  // requests started on it
  Timer idle_timer;            // while idle: closes it after the idle timeout
};

struct PoolState;

// The right to use one connection to `host`. Destroying it gives the slot back (and lets the next
// waiting request in).
class Slot {
 public:
  Slot() noexcept = default;
  Slot(Slot&& other) noexcept = default;
  Slot& operator=(Slot&& other) noexcept;
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() { reset(); }
  void reset() noexcept;
  explicit operator bool() const noexcept { return !state_.expired(); }

 private:
  friend struct PoolState;
  Slot(std::weak_ptr<PoolState> state, std::string host) noexcept
      : state_(std::move(state)), host_(std::move(host)) {}
  std::weak_ptr<PoolState> state_;
  std::string host_;
};

class Pool {
 public:
  explicit Pool(Loop& loop);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  // Closes every idle connection (the loop is going away).
  void shutdown();

  // Asks for a slot for `host`. `granted(slot)` runs from the loop, never inside this call,
  // exactly once, as soon as the limits allow (FIFO among waiters). Destroying the returned Guard
  // withdraws the request (or, when the slot was already reserved, gives it back).
  Guard acquire(const std::string& host, Function<void(Slot)> granted);

  // The most recently used idle connection for `key`, or null.
  std::unique_ptr<Connection> take_idle(const ConnectionKey& key);
  // Keeps `c` for reuse: it is closed after the idle timeout, or when its peer sends anything,
  // closes or fails; the oldest idle one of its key goes when there are too many.
  void put_idle(std::unique_ptr<Connection> c);
  void close_idle();

  void note_connection_made() noexcept;
  void set_options(const PoolOptions& options);
  const PoolOptions& options() const noexcept;
  PoolStats stats() const noexcept;

 private:
  Loop& loop_;
  std::shared_ptr<PoolState> state_;
};

// Clears every callback and timeout a user of the connection set on `h` (between owners: an
// exchange, the pool, the caller of want_body_handle).
void quiet(Handle& h);

// The pool of `loop`: its per-loop service, made on first use, shut down and destroyed with it.
Pool& pool_for(Loop& loop);

}  // namespace ae::http::client_internal
