// The state behind a TcpServer: the listening socket, its accept loop and its overload pause.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

#include "core/socket_address.h"
#include "core/watchers.h"
#include "socket/internal/unique_fd.h"
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

  // Starts accepting into `accept` (from the next loop iteration on), at most `per_wakeup`
  // connections per readiness.
  void start_accepting(AcceptCallback accept, std::size_t per_wakeup);

  // Stops accepting, closes the socket and unlinks the unix path. Idempotent; safe from inside
  // the accept callback.
  void close() noexcept;

  int fd() const noexcept { return fd_.get(); }
  const SocketAddress& local() const noexcept { return local_; }

 private:
  void on_readable();
  void pause(int error);

  UniqueFd fd_;
  SocketAddress local_;
  std::string unix_path_;
  dev_t unix_dev_ = 0;
  ino_t unix_ino_ = 0;
  AcceptCallback accept_;
  std::size_t per_wakeup_ = 1;
  Io readable_;
  Timer resume_;
  bool overloaded_ = false;
};

}  // namespace ae::socket_internal
