// The state of one tcp_connect: resolution, then Happy Eyeballs (RFC 8305) over the addresses.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/connector.h"
#include "core/guard.h"
#include "core/resolver.h"
#include "core/socket_address.h"
#include "core/unique_fd.h"
#include "core/watchers.h"

namespace ae::socket_internal {

// Orders addresses as RFC 8305 section 4 does: the first address of the first family (the
// preferred one), then the first of the other family, then the second of each, and so on.
std::vector<SocketAddress> interleave_families(std::vector<SocketAddress> addrs);

// Owned through shared_ptr by tcp_connect's Guard and by the retry functions it hands out; every
// watcher and pending delivery it starts is owned by it, so their callbacks may use `this`.
class ConnectRace : public std::enable_shared_from_this<ConnectRace> {
 public:
  // `timeout`: the overall deadline (zero, negative or infinite: none).
  ConnectRace(ConnectCallback cb, PrepareCallback prepare, Seconds attempt_delay, Seconds timeout);

  void start(Resolver& resolver, std::string_view host, std::string_view service);

  // Closes every pending attempt; no callback runs afterwards. Safe from inside any callback.
  void cancel() noexcept;

 private:
  struct Attempt {
    UniqueFd fd;
    SocketAddress peer;
    Io writable;  // declared after fd: destroyed (unregistered) before the fd closes
    Timer timeout;
  };
  enum class Phase { kResolving, kConnecting, kConnected, kDone, kCancelled };

  void on_resolved(std::error_code ec, std::vector<SocketAddress> addrs, bool complete);
  // Adds addresses that arrived to the untried ones, families interleaved (RFC 8305 section 4).
  void add_candidates(std::vector<SocketAddress> addrs);
  // Arms the step to the next attempt, attempt_delay after the last one started.
  void arm_step();
  void on_deadline();
  // Starts the next untried address; on a synchronous failure, the one after, and so on.
  void start_next();
  // Returns 0 when the attempt is pending, else the errno it failed with.
  int begin_attempt(const SocketAddress& peer);
  void on_writable(Attempt* attempt);
  void on_failed(Attempt* attempt, int error);
  void succeed(Attempt* attempt);
  void fail_if_exhausted();
  void retry(std::uint64_t generation);
  std::unique_ptr<Attempt> take(Attempt* attempt);
  // The failed Connection: no fd, and an error message that names the target and the address
  // tried last.
  Connection failure(std::error_code ec) const;

  ConnectCallback cb_;
  PrepareCallback prepare_;
  Seconds attempt_delay_;
  Seconds timeout_;
  Phase phase_ = Phase::kResolving;
  Guard resolving_;
  bool resolved_ = false;        // every address the resolution will give has arrived
  int last_family_ = AF_UNSPEC;  // of the attempt started last
  double last_start_ = 0;        // when it started (loop time)
  Timer deadline_;
  std::deque<SocketAddress> untried_;
  std::vector<std::unique_ptr<Attempt>> attempts_;  // pending, in start order
  Timer step_;
  Guard final_;
  std::error_code last_error_;
  std::string target_;        // "host:service", as asked for, for the error message
  std::string last_address_;  // the address whose attempt failed last ("": none failed)
  std::uint64_t generation_ = 0;
};

}  // namespace ae::socket_internal
