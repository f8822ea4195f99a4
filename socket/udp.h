// UDP sockets: udp_bind and udp_connect, datagrams with their peer (and local) address, multicast.
//
// AnyEvent has no UDP; this is what a user of libuv's uv_udp_* or POE's UDP wheels expects, in
// AnyEvent::Socket's terms: hosts and services as tcp_server and tcp_connect take them, results
// as ae::Result or std::error_code, callbacks on the current loop through core's io watcher.
//
// A socket bound to a wildcard address ("0", "::") asks the kernel which of its addresses each
// datagram was sent to (IP_PKTINFO / IPV6_RECVPKTINFO), reports it as UdpMessage::local, and
// reply() sends the answer from that address: a client that sent to 127.0.0.2 (or to one of
// several addresses of a host) gets the reply from the address it asked, not from whichever one
// the routing table prefers, which clients of connected sockets would drop.
//
// Example (tests/socket/udp_test.cc runs it):
//   ae::Result<ae::UdpSocket> server = ae::udp_bind("0", "0",
//       [](ae::UdpSocket& s, const ae::UdpMessage& m) { s.reply(m, m.data); });  // echo
//   ae::Guard g = ae::udp_connect("127.0.0.1", std::to_string(server->port()),
//       [&](ae::Result<ae::UdpSocket> client) {
//         if (!client) return std::puts(client.message().c_str()), void();
//         client->send("ping");  // then on_receive(...), and keep *client somewhere
//       });
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "core/function.h"
#include "core/guard.h"
#include "core/result.h"
#include "core/socket_address.h"

namespace ae {

namespace socket_internal {
class UdpEndpoint;
}

class UdpSocket;

// One datagram received. The bytes are valid only during the callback.
struct UdpMessage {
  // What was received: at most UdpOptions::max_datagram bytes.
  std::string_view data;
  // The datagram's size on the wire (MSG_TRUNC); larger than data.size() exactly when truncated.
  std::size_t size = 0;
  // True when the datagram was longer than max_datagram and its tail was lost.
  bool truncated = false;
  // Who sent it.
  SocketAddress peer;
  // The address it was sent to, with the socket's port: for a wildcard-bound socket the local
  // address (or multicast group) the kernel reported; otherwise the bound address. On a "::"
  // socket an IPv4 datagram's addresses are v4-mapped ("::ffff:127.0.0.1"; format_host shows the
  // IPv4 form).
  SocketAddress local;
  // The interface it arrived on (0 when the kernel did not say: sockets not wildcard-bound).
  unsigned interface_index = 0;
};

// on_receive(socket, message): runs for every datagram, on the socket's loop, never inside the
// call that set it; `socket` is the receiving UdpSocket (wherever it was moved to).
using UdpReceiveCallback = Function<void(UdpSocket& socket, const UdpMessage& message)>;
// on_error(socket, error, message): a receive error or a queued send that failed (see
// UdpSocket::on_error); the socket stays usable.
using UdpErrorCallback =
    Function<void(UdpSocket& socket, std::error_code error, const std::string& message)>;
// The outcome of udp_connect: the connected socket, or why there is none.
using UdpConnectCallback = Function<void(Result<UdpSocket> socket)>;

struct UdpOptions {
  // The largest datagram received whole; longer ones are cut to this size and reported as
  // truncated. 65536 takes any UDP datagram over IPv4 and IPv6 (without jumbograms).
  std::size_t max_datagram = 65536;
  // SO_REUSEADDR before bind(2): several sockets may bind the same address and port, as
  // multicast receivers of one group usually do.
  bool reuse_address = false;
  // SO_REUSEPORT before bind(2): several sockets (one per thread's loop) share the address and
  // the kernel spreads datagrams over them.
  bool reuse_port = false;
  // SO_BROADCAST: sending to a broadcast address is allowed.
  bool broadcast = false;
  // Bytes of datagrams that may wait for the socket to become writable (the kernel's send buffer
  // was full); a send beyond that drops its datagram and returns no_buffer_space.
  std::size_t send_queue_max = 1 << 20;
};

// A UDP socket with one owner (libuv's uv_udp_t). Destroying it (or close()) stops receiving,
// drops queued datagrams and closes the socket.
// Thread safety: use and destroy it on the thread of the loop it was made on.
// Lifetime: safe to destroy or move from inside its own callbacks; none runs afterwards.
class UdpSocket {
 public:
  UdpSocket() noexcept;
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  // True until close() or a move.
  explicit operator bool() const noexcept { return endpoint_ != nullptr; }

  // The socket (-1 when closed): non-blocking, close-on-exec, still owned by this object.
  int fd() const noexcept;
  // The bound address (port 0 never: the kernel's pick is read back), and its port.
  const SocketAddress& local_address() const noexcept;
  std::uint16_t port() const noexcept;
  // The connected peer (udp_connect), else empty.
  const SocketAddress& peer_address() const noexcept;

  // Replaces the receive callback and starts receiving (again, after pause()); datagrams that
  // arrived meanwhile wait in the kernel's buffer. An empty callback stops receiving.
  void on_receive(UdpReceiveCallback cb);
  // Replaces the error callback. Errors without one are logged through core's log hook (level
  // note, context "ae::socket"). Errors reported here: connection_refused on a connected socket
  // after the peer's host answered a datagram with ICMP port unreachable (the next send may
  // return it instead, whichever comes first); other ICMP errors of a connected socket
  // (host_unreachable, network_unreachable, ...); a queued datagram that failed when it was sent.
  void on_error(UdpErrorCallback cb);
  // Stops and restarts receiving (POE's pause/resume); the kernel buffers datagrams meanwhile and
  // drops them once its buffer is full.
  void pause() noexcept;
  void resume();

  // Sends one datagram to the connected peer (send), to `to` (send_to), or back to the sender of
  // `request` from the address it was sent to (reply: a wildcard-bound socket sets the source
  // address through IP_PKTINFO / IPV6_PKTINFO; a multicast request is answered from the address
  // the kernel picks). A datagram is sent at once when the kernel takes it, else queued (in order,
  // up to send_queue_max bytes) until the socket is writable; a clear error means sent or queued.
  // Errors (returned; the datagram is not sent): no_buffer_space when the queue is full;
  // connection_refused on a connected socket with an ICMP port unreachable pending;
  // message_size for a datagram too large for UDP; destination_address_required for send() on a
  // socket that is not connected; bad_file_descriptor after close(); sendmsg(2)'s other errnos.
  std::error_code send(std::string_view data);
  std::error_code send_to(std::string_view data, const SocketAddress& to);
  std::error_code reply(const UdpMessage& request, std::string_view data);
  // Bytes of datagrams waiting for the socket to become writable.
  std::size_t queued_bytes() const noexcept;

  // Multicast (IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP and their leave counterparts): receives the
  // datagrams sent to `group` (a numeric IPv4 or IPv6 multicast address) on `interface`: an
  // interface name ("lo", "eth0"), for IPv4 also one of its addresses ("127.0.0.1"), or empty for
  // the kernel's choice by its routing table. Bind the socket to the wildcard address and the
  // group's port to receive them; a "::" socket can join IPv4 groups.
  // Errors: invalid_argument for a group that is not a multicast address or an interface that
  // does not parse; no_such_device for an unknown interface name; setsockopt(2)'s errno
  // (address_in_use for a group already joined, address_not_available for one not joined).
  std::error_code join_group(std::string_view group, std::string_view interface = {});
  std::error_code leave_group(std::string_view group, std::string_view interface = {});
  // The interface outgoing multicast datagrams leave by (IP_MULTICAST_IF / IPV6_MULTICAST_IF;
  // the same forms as join_group's), whether they are looped back to this host's own members
  // (IP_MULTICAST_LOOP; the kernel's default is on) and their hop limit (IP_MULTICAST_TTL;
  // default 1). Set for the socket's family; a "::" socket sets both. Errors: as join_group.
  std::error_code set_multicast_interface(std::string_view interface);
  std::error_code set_multicast_loop(bool on);
  std::error_code set_multicast_ttl(int hops);

  // Same as destroying the socket.
  void close() noexcept;

 private:
  explicit UdpSocket(std::shared_ptr<socket_internal::UdpEndpoint> endpoint) noexcept;
  friend Result<UdpSocket> udp_bind(std::string_view, std::string_view, UdpReceiveCallback,
                                    const UdpOptions&);
  friend class socket_internal::UdpEndpoint;

  std::shared_ptr<socket_internal::UdpEndpoint> endpoint_;
};

// Binds a UDP socket to `host`:`service`, as tcp_server takes them: a numeric address ("0" or
// "0.0.0.0" for every IPv4 address, "::" for every IPv6 and IPv4 address, empty for "::" when
// AE_PROTOCOLS prefers IPv6 and IPv6 works, else "0") and a port number, service name (looked up
// for "udp") or "name=port"; empty or "0" for a port the kernel picks. `on_receive` may be empty
// (set it later with UdpSocket::on_receive) and runs as UdpSocket::on_receive describes.
// Errors (returned; the callback then never runs): invalid_argument when `host` is not a numeric
// address; ResolveError::kUnknownService for an unknown service name; socket(2), setsockopt(2) or
// bind(2)'s errno (address_in_use, permission_denied, address_not_available, ...). The message
// names the call and the address.
Result<UdpSocket> udp_bind(std::string_view host, std::string_view service,
                           UdpReceiveCallback on_receive, const UdpOptions& options = {});

// Makes a UDP socket connected to `host`:`service` (libuv's uv_udp_connect): the host is resolved
// as tcp_connect resolves it (a name through the installed ae::Resolver, ordered by
// AE_PROTOCOLS), the service for "udp"; the first address the socket can connect(2) to wins
// (connecting a UDP socket sends nothing, so "connected" says only that a route exists). A
// connected socket receives from that peer only, send() needs no address, and an ICMP port
// unreachable from the peer's host surfaces as connection_refused (see on_error).
// `cb` runs exactly once, on the current loop, never inside this call. Destroying the returned
// Guard first cancels everything and `cb` never runs.
// Errors (through `cb`): the resolver's (as tcp_connect), socket(2) or connect(2)'s errno of the
// last address tried (network_unreachable, address_family_not_supported, ...).
// An empty `cb` is a programmer error: std::invalid_argument.
Guard udp_connect(std::string_view host, std::string_view service, UdpConnectCallback cb,
                  const UdpOptions& options = {});

}  // namespace ae
