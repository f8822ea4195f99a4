// The state behind a TcpServer: the listening socket, its accept loop and its overload pause.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/socket_address.h"
#include "core/unique_fd.h"
#include "core/watchers.h"
#include "socket/server.h"

namespace ae::socket_internal {

// How long accepting pauses after accept(2) ran out of descriptors or memory.
inline constexpr Seconds kAcceptPause{0.1};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Takes a bound, listening socket; `unix_path` is non-empty for a unix-domain socket bound to
  // that path (unlinked on close while it is still this socket's).
  Listener(UniqueFd fd, SocketAddress local, std::string unix_path);
  ~Listener();

  // Starts accepting into `accept` or `counted` (the other one empty; from the next loop iteration
  // on) with the limits of `options` (checked by the caller).
  void start_accepting(AcceptCallback accept, CountedAcceptCallback counted,
                       const ServerSocketOptions& options);

  // Stops accepting, closes the socket and unlinks the unix path. Idempotent; safe from inside
  // the accept callback.
  void close() noexcept;

  int fd() const noexcept { return fd_.get(); }
  const SocketAddress& local() const noexcept { return local_; }

 private:
  void on_readable();
  void pause(int error);
  // Watches the socket unless a limit or an overload pause holds accepting back.
  void watch_if_allowed();
  // The token bucket of ServerSocketOptions::max_accepts_per_second: takes a token if there is
  // one, else arms rate_wait_ for when the next one comes.
  bool take_token();
  // A counted connection's Guard was destroyed.
  void connection_closed();

  UniqueFd fd_;
  SocketAddress local_;
  std::string unix_path_;
  dev_t unix_dev_ = 0;
  ino_t unix_ino_ = 0;
  AcceptCallback accept_;
  CountedAcceptCallback counted_;
  std::size_t per_wakeup_ = 1;
  Io readable_;
  Timer resume_;
  bool overloaded_ = false;      // accept(2) ran out of resources; logged once per episode
  bool resources_wait_ = false;  // resume_ runs: accepting paused after running out

  std::size_t max_connections_ = 0;  // 0: no limit
  std::size_t open_connections_ = 0;

  double rate_ = 0;  // accepts per second, 0: no limit
  double burst_ = 1;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_{};
  Timer rate_wait_;  // runs while the bucket is empty
};

}  // namespace ae::socket_internal
