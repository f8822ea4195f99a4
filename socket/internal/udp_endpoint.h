// The state behind a UdpSocket: the socket, its receive loop and its queue of datagrams waiting
// for the socket to become writable.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/socket_address.h"
#include "core/unique_fd.h"
#include "core/watchers.h"
#include "socket/udp.h"

namespace ae::socket_internal {

// Datagrams read per readiness before the loop gets a turn: a flood on one socket must not
// starve the loop's other watchers.
inline constexpr int kUdpReceiveBatch = 64;

class UdpEndpoint : public std::enable_shared_from_this<UdpEndpoint> {
 public:
  // Takes a bound (and maybe connected) socket. `packet_info` says IP_PKTINFO /
  // IPV6_RECVPKTINFO is on, so every datagram tells its destination address.
  UdpEndpoint(UniqueFd fd, SocketAddress local, SocketAddress peer, bool packet_info,
              const UdpOptions& options);
  ~UdpEndpoint();

  // The UdpSocket that owns `endpoint` (its callbacks receive that object).
  static UdpSocket make_socket(std::shared_ptr<UdpEndpoint> endpoint) noexcept;

  int fd() const noexcept { return fd_.get(); }
  const SocketAddress& local() const noexcept { return local_; }
  const SocketAddress& peer() const noexcept { return peer_; }
  std::size_t queued_bytes() const noexcept { return queued_bytes_; }

  // The UdpSocket whose callbacks run; updated when it moves.
  void set_owner(UdpSocket* owner) noexcept { owner_ = owner; }

  void on_receive(UdpReceiveCallback cb);
  void on_error(UdpErrorCallback cb);
  void pause() noexcept;
  void resume();

  // `to` empty: the connected peer. `source` non-empty: the source address (IP_PKTINFO).
  std::error_code send(std::string_view data, const SocketAddress& to, const SocketAddress& source,
                       unsigned interface_index);

  // Stops everything and closes the socket. Idempotent; safe inside a callback.
  void close() noexcept;

 private:
  struct Queued {
    std::string data;
    SocketAddress to;
    SocketAddress source;
    unsigned interface_index = 0;
  };

  void on_readable();
  void on_writable();
  // sendmsg(2) of one datagram: 0 or the errno.
  int send_now(std::string_view data, const SocketAddress& to, const SocketAddress& source,
               unsigned interface_index) noexcept;
  void report(std::error_code error, std::string message);

  UniqueFd fd_;
  SocketAddress local_;
  SocketAddress peer_;
  bool packet_info_ = false;
  std::size_t send_queue_max_ = 0;
  std::vector<char> buffer_;
  UdpSocket* owner_ = nullptr;
  // Shared so that a callback may replace itself while it runs: the call holds its own reference.
  std::shared_ptr<UdpReceiveCallback> on_receive_;
  std::shared_ptr<UdpErrorCallback> on_error_;
  bool paused_ = false;
  Io readable_;
  Io writable_;
  std::deque<Queued> queue_;
  std::size_t queued_bytes_ = 0;
};

}  // namespace ae::socket_internal
