// tcp_server and tcp_bind: AnyEvent::Socket's listening sockets, as single-owner RAII objects.
//
// The host is a numeric address: "0" (or "0.0.0.0") for every IPv4 address, "::" for every
// IPv6 address (and, on Linux, IPv4 too), empty for "::" when AE_PROTOCOLS prefers IPv6 and IPv6
// works, else "0"; or "unix/" with the socket's path as the service. The service is a port
// number, a service name, "name=port", or empty / "0" for a port the kernel picks.
//
// Example:
//   ae::Result<ae::TcpServer> server = ae::tcp_server("127.0.0.1", "0",
//       [](int fd, const std::string& host, std::uint16_t port) {
//         std::string hello = "hello, " + host + ":" + std::to_string(port) + "\r\n";
//         ::write(fd, hello.data(), hello.size());
//         ::close(fd);
//       });
//   if (!server) return std::puts(server.message().c_str()), 1;
//   std::printf("listening on port %u\n", server->port());
//
// With limits: at most 100 connections open at once and 50 accepts a second; each connection's
// Guard goes with it and frees its place when the connection is done.
//   ae::ServerSocketOptions limits;
//   limits.max_connections = 100;
//   limits.max_accepts_per_second = 50;
//   auto limited = ae::tcp_server("0", "7000",
//       [&](int fd, const std::string&, std::uint16_t, ae::Guard slot) {
//         sessions.push_back(std::make_unique<Session>(fd, std::move(slot)));
//       }, nullptr, limits);
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/function.h"
#include "core/guard.h"
#include "core/result.h"
#include "core/socket_address.h"

namespace ae {

namespace socket_internal {
class Listener;
}

// accept(fd, host, port): a new connection; `fd` is non-blocking, close-on-exec and the callee's
// to close. `host` is formatted as AnyEvent's format_address does it (an IPv4 client of a "::"
// server shows as "127.0.0.1"), "unix/" for unix-domain sockets (port 0).
using AcceptCallback = Function<void(int fd, const std::string& host, std::uint16_t port)>;

// accept(fd, host, port, connection): as AcceptCallback, plus `connection`, which the server
// counts as one open connection (ServerSocketOptions::max_connections) until it is destroyed or
// reset. Keep it with whatever serves the connection and let it go when the connection ends.
// It may outlive the server (it then does nothing); destroy it on the server's loop thread.
using CountedAcceptCallback =
    Function<void(int fd, const std::string& host, std::uint16_t port, Guard connection)>;

// The listen(2) backlog when prepare returns 0 (or there is no prepare): SOMAXCONN, the most the
// kernel takes (it caps larger values at net.core.somaxconn). AnyEvent's 128 is too short for a
// burst: of 10 000 clients connecting at once, clients the kernel had already told "connected"
// were still waiting for accept(2) a second later, or had their handshakes dropped and retried.
inline constexpr int kDefaultListenBacklog = SOMAXCONN;

// prepare(fd, host, port): runs once, inside tcp_server/tcp_bind, after bind(2) and before
// listen(2), with the bound address (so port 0 shows the port the kernel picked); returns the
// listen backlog, 0 for kDefaultListenBacklog. (Options that must be set before bind(2), such as
// SO_REUSEPORT, go in ServerSocketOptions.)
using ServerPrepareCallback = Function<int(int fd, const std::string& host, std::uint16_t port)>;

// before_bind(fd): runs once, inside tcp_server, with the new socket before bind(2) (after
// SO_REUSEADDR and SO_REUSEPORT), for socket options that only take effect then (SO_REUSEPORT
// with a BPF program, IP_FREEBIND, IPV6_V6ONLY, SO_RCVBUF for the window scale, ...). Errors of
// the calls it makes are its own to handle.
using ServerBeforeBindCallback = Function<void(int fd)>;

// Socket options for tcp_server beyond AnyEvent's.
struct ServerSocketOptions {
  // SO_REUSEPORT, set before bind(2) (TCP only): several sockets, typically one per thread's
  // loop, may listen on the same address, and the kernel spreads new connections over them.
  bool reuse_port = false;
  // At most this many connections are accepted per readiness of the listening socket (at least
  // one); the rest wait in the listen queue for the next loop iteration, so that a flood of
  // connects cannot keep the loop from its other watchers (and the connections already accepted
  // from being served). Large enough that a burst is taken in few iterations.
  std::size_t max_accepts_per_wakeup = 64;
  // See ServerBeforeBindCallback; nullptr: nothing.
  ServerBeforeBindCallback before_bind{};
  // At most this many connections open at once (0: no limit), as counted by the Guards that a
  // CountedAcceptCallback receives (needs one). At the limit the server stops watching its
  // socket, so further clients wait in the listen queue (POE's pause_accept), and it resumes when
  // a Guard goes and the count falls below the limit (POE's resume_accept).
  std::size_t max_connections = 0;
  // At most this many accepts per second on average (0: no limit): a token bucket holding
  // `accept_burst` accepts, refilled at this rate. While it is empty the server does not watch
  // its socket (it waits on a timer instead of spinning); clients wait in the listen queue.
  double max_accepts_per_second = 0;
  // The bucket's size: how many accepts may follow each other at once after a quiet spell.
  // 0: one second's worth (max_accepts_per_second rounded up, at least 1).
  std::size_t accept_burst = 0;
};

// A listening socket with one owner. Destroying it (or close()) stops accepting, closes the
// listening socket and, for a unix-domain socket, unlinks its path if that still names the socket
// this server bound (not a file someone put there since). Connections already accepted are not
// affected.
// Thread safety: use and destroy it on the thread of the loop it was made on.
// Lifetime: safe to destroy from inside its own accept callback; no callback runs afterwards.
class TcpServer {
 public:
  TcpServer() noexcept;
  TcpServer(TcpServer&& other) noexcept;
  TcpServer& operator=(TcpServer&& other) noexcept;
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;
  ~TcpServer();

  // True until close() or a move.
  explicit operator bool() const noexcept { return listener_ != nullptr; }

  // The listening socket (-1 when closed). tcp_bind's caller accepts on it.
  int fd() const noexcept;
  // The bound address.
  const SocketAddress& local_address() const noexcept;
  // The bound host as format_address writes it ("127.0.0.1", "::", "unix/"), and port (0 for
  // unix-domain sockets).
  std::string host() const;
  std::uint16_t port() const noexcept;

  // Same as destroying the server.
  void close() noexcept;

 private:
  explicit TcpServer(std::shared_ptr<socket_internal::Listener> listener) noexcept;
  friend Result<TcpServer> tcp_bind(std::string_view, std::string_view, ServerPrepareCallback);
  friend Result<TcpServer> tcp_server(std::string_view, std::string_view, AcceptCallback,
                                      ServerPrepareCallback);
  friend Result<TcpServer> tcp_server(std::string_view, std::string_view, AcceptCallback,
                                      ServerPrepareCallback, const ServerSocketOptions&);
  friend Result<TcpServer> tcp_server(std::string_view, std::string_view, CountedAcceptCallback,
                                      ServerPrepareCallback, const ServerSocketOptions&);

  std::shared_ptr<socket_internal::Listener> listener_;
};

// AnyEvent::Socket::tcp_server: binds `host`:`service` (SO_REUSEADDR for TCP; a unix-domain path
// is unlinked first), calls `prepare`, listens, and then calls `accept` for every connection, on
// the current loop, never inside this call. Each readiness accepts the pending connections up to
// ServerSocketOptions::max_accepts_per_wakeup (64 by default); the rest are accepted in the next
// loop iterations.
// When accept(2) fails for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), the
// server reports it through ae::core_log (error, context "ae::socket") and pauses accepting for
// 100 ms at a time, so that waiting clients stay in the listen queue instead of the loop spinning,
// and accepts them once descriptors are free again (reported at level note).
// Errors (returned; the callbacks then never run): std::errc::invalid_argument when `host` is not
// a numeric address or "unix/" (names are not resolved, as in AnyEvent), or a unix path is empty
// or too long; ResolveError::kUnknownService for an unknown service name; socket(2), bind(2) or
// listen(2)'s errno (address_in_use, permission_denied, address_not_available, ...). The message
// names the call and the address.
// An empty `accept` is a programmer error: std::invalid_argument.
Result<TcpServer> tcp_server(std::string_view host, std::string_view service, AcceptCallback accept,
                             ServerPrepareCallback prepare = nullptr);

// tcp_server with `options` applied to the listening socket: before_bind and reuse_port before it
// is bound, max_accepts_per_wakeup and max_accepts_per_second while accepting.
// Errors: as tcp_server; and std::invalid_argument (a programmer error, thrown) for a
// max_connections without a CountedAcceptCallback, or a negative or NaN max_accepts_per_second.
Result<TcpServer> tcp_server(std::string_view host, std::string_view service, AcceptCallback accept,
                             ServerPrepareCallback prepare, const ServerSocketOptions& options);

// tcp_server whose accept callback receives each connection's Guard, for
// ServerSocketOptions::max_connections (see CountedAcceptCallback). Errors: as above.
Result<TcpServer> tcp_server(std::string_view host, std::string_view service,
                             CountedAcceptCallback accept, ServerPrepareCallback prepare,
                             const ServerSocketOptions& options);

// AnyEvent::Socket::tcp_bind: the same set-up as tcp_server, but nothing is accepted: the caller
// watches fd() itself. Errors: as tcp_server.
Result<TcpServer> tcp_bind(std::string_view host, std::string_view service,
                           ServerPrepareCallback prepare = nullptr);

}  // namespace ae
