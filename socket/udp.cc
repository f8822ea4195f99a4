#include "socket/udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/resolver.h"
#include "core/unique_fd.h"
#include "socket/address.h"
#include "socket/internal/udp_endpoint.h"
#include "socket/resolve.h"

namespace ae {
namespace {

using socket_internal::UdpEndpoint;

Error errno_error(int error, std::string what) {
  what += ": ";
  what += std::generic_category().message(error);
  return Error{std::make_error_code(static_cast<std::errc>(error)), std::move(what)};
}

bool ipv6_works() {
  UniqueFd probe(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  return static_cast<bool>(probe);
}

// tcp_server's default host: "::" when IPv6 is preferred and works, else "0" (IPv4 any).
std::string default_host() {
  return protocol_preference().front() == AF_INET6 && ipv6_works() ? "::" : "0";
}

bool is_wildcard(const SocketAddress& address) {
  if (address.family() == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(address.get())->sin_addr.s_addr == INADDR_ANY;
  }
  return address.family() == AF_INET6 &&
         IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(address.get())->sin6_addr);
}

bool is_multicast(const SocketAddress& address) {
  if (address.family() == AF_INET) {
    return IN_MULTICAST(
        ntohl(reinterpret_cast<const sockaddr_in*>(address.get())->sin_addr.s_addr));
  }
  if (address.family() != AF_INET6) return false;
  const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(address.get())->sin6_addr;
  return IN6_IS_ADDR_MULTICAST(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && (a.s6_addr[12] & 0xf0) == 0xe0);
}

// A new UDP socket of `family` with the options that must precede bind(2) or connect(2).
Result<UniqueFd> open_socket(int family, const UdpOptions& options, const char* who) {
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error(errno, std::string(who) + ": socket");
  int on = 1;
  if (options.reuse_address &&
      ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
    return errno_error(errno, std::string(who) + ": setsockopt SO_REUSEADDR");
  }
  if (options.reuse_port && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0) {
    return errno_error(errno, std::string(who) + ": setsockopt SO_REUSEPORT");
  }
  if (options.broadcast && ::setsockopt(fd.get(), SOL_SOCKET, SO_BROADCAST, &on, sizeof on) < 0) {
    return errno_error(errno, std::string(who) + ": setsockopt SO_BROADCAST");
  }
  return fd;
}

Result<SocketAddress> local_address_of(int fd, const char* who) {
  SocketAddress local;
  socklen_t size = local.capacity();
  if (::getsockname(fd, local.get(), &size) < 0) {
    return errno_error(errno, std::string(who) + ": getsockname");
  }
  local.set_size(size);
  return local;
}

// Asks for each datagram's destination address. On a "::" socket IPV6_RECVPKTINFO covers IPv4
// datagrams too (Linux reports them as v4-mapped IPV6_PKTINFO).
std::error_code enable_packet_info(int fd, int family) {
  int on = 1;
  int r = family == AF_INET ? ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on)
                            : ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
  return r < 0 ? std::make_error_code(static_cast<std::errc>(errno)) : std::error_code();
}

// One connect attempt per address, in order, until one works.
Result<UdpSocket> connect_first(const std::vector<SocketAddress>& addresses,
                                const UdpOptions& options) {
  Error last{std::make_error_code(std::errc::no_such_device_or_address),
             "udp_connect: no address to connect to"};
  for (const SocketAddress& peer : addresses) {
    Result<UniqueFd> fd = open_socket(peer.family(), options, "udp_connect");
    if (!fd) {
      last = fd.error();
      continue;
    }
    if (::connect(fd->get(), peer.get(), peer.size()) < 0) {
      last = errno_error(errno, "udp_connect: connect " + peer.to_string());
      continue;
    }
    Result<SocketAddress> local = local_address_of(fd->get(), "udp_connect");
    if (!local) return local.error();
    auto endpoint = std::make_shared<UdpEndpoint>(std::move(*fd), *local, peer, false, options);
    return UdpEndpoint::make_socket(std::move(endpoint));
  }
  return last;
}

}  // namespace

UdpSocket::UdpSocket() noexcept = default;

UdpSocket::UdpSocket(std::shared_ptr<socket_internal::UdpEndpoint> endpoint) noexcept
    : endpoint_(std::move(endpoint)) {
  if (endpoint_) endpoint_->set_owner(this);
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : endpoint_(std::move(other.endpoint_)) {
  if (endpoint_) endpoint_->set_owner(this);
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    close();
    endpoint_ = std::move(other.endpoint_);
    if (endpoint_) endpoint_->set_owner(this);
  }
  return *this;
}

UdpSocket::~UdpSocket() { close(); }

int UdpSocket::fd() const noexcept { return endpoint_ ? endpoint_->fd() : -1; }

const SocketAddress& UdpSocket::local_address() const noexcept {
  static const SocketAddress kNone;
  return endpoint_ ? endpoint_->local() : kNone;
}

std::uint16_t UdpSocket::port() const noexcept { return local_address().port(); }

const SocketAddress& UdpSocket::peer_address() const noexcept {
  static const SocketAddress kNone;
  return endpoint_ ? endpoint_->peer() : kNone;
}

void UdpSocket::on_receive(UdpReceiveCallback cb) {
  if (endpoint_) endpoint_->on_receive(std::move(cb));
}

void UdpSocket::on_error(UdpErrorCallback cb) {
  if (endpoint_) endpoint_->on_error(std::move(cb));
}

void UdpSocket::pause() noexcept {
  if (endpoint_) endpoint_->pause();
}

void UdpSocket::resume() {
  if (endpoint_) endpoint_->resume();
}

std::error_code UdpSocket::send(std::string_view data) {
  if (!endpoint_) return std::make_error_code(std::errc::bad_file_descriptor);
  return endpoint_->send(data, SocketAddress(), SocketAddress(), 0);
}

std::error_code UdpSocket::send_to(std::string_view data, const SocketAddress& to) {
  if (!endpoint_) return std::make_error_code(std::errc::bad_file_descriptor);
  return endpoint_->send(data, to, SocketAddress(), 0);
}

std::error_code UdpSocket::reply(const UdpMessage& request, std::string_view data) {
  if (!endpoint_) return std::make_error_code(std::errc::bad_file_descriptor);
  // Only a wildcard-bound socket needs to choose: any other one sends from its bound address.
  // A multicast group is no source address; the kernel picks one then.
  bool choose = is_wildcard(endpoint_->local()) && !request.local.empty() &&
                !is_multicast(request.local) && !is_wildcard(request.local);
  if (!choose) return endpoint_->send(data, request.peer, SocketAddress(), 0);
  // The interface only matters for a link-local source, which is ambiguous without it.
  unsigned interface = 0;
  if (request.local.family() == AF_INET6 &&
      IN6_IS_ADDR_LINKLOCAL(
          &reinterpret_cast<const sockaddr_in6*>(request.local.get())->sin6_addr)) {
    interface = request.interface_index;
  }
  return endpoint_->send(data, request.peer, request.local, interface);
}

std::size_t UdpSocket::queued_bytes() const noexcept {
  return endpoint_ ? endpoint_->queued_bytes() : 0;
}

void UdpSocket::close() noexcept {
  if (!endpoint_) return;
  std::shared_ptr<socket_internal::UdpEndpoint> endpoint = std::move(endpoint_);
  endpoint->set_owner(nullptr);
  endpoint->close();
}

Result<UdpSocket> udp_bind(std::string_view host_text, std::string_view service,
                           UdpReceiveCallback on_receive, const UdpOptions& options) {
  std::string host = host_text.empty() ? default_host() : std::string(host_text);
  std::optional<HostAddress> ipn = parse_address(host);
  if (!ipn || ipn->family() == AF_UNIX) {
    return Error{std::make_error_code(std::errc::invalid_argument),
                 "udp_bind: cannot parse '" + host + "' as host address"};
  }
  std::uint16_t port = 0;
  if (!service.empty()) {
    Result<std::uint16_t> p = resolve_service(service, "udp");
    if (!p) return Error{p.code(), "udp_bind: " + p.message()};
    port = *p;
  }
  SocketAddress address = pack_sockaddr(port, *ipn);

  Result<UniqueFd> fd = open_socket(address.family(), options, "udp_bind");
  if (!fd) return fd.error();
  bool packet_info = is_wildcard(address);
  if (packet_info) {
    if (std::error_code ec = enable_packet_info(fd->get(), address.family())) {
      return Error{ec, "udp_bind: setsockopt PKTINFO: " + ec.message()};
    }
  }
  if (::bind(fd->get(), address.get(), address.size()) < 0) {
    return errno_error(errno, "udp_bind: bind " + address.to_string());
  }
  Result<SocketAddress> local = local_address_of(fd->get(), "udp_bind");
  if (!local) return local.error();

  auto endpoint =
      std::make_shared<UdpEndpoint>(std::move(*fd), *local, SocketAddress(), packet_info, options);
  UdpSocket socket(std::move(endpoint));
  if (on_receive) socket.on_receive(std::move(on_receive));
  return socket;
}

Guard udp_connect(std::string_view host, std::string_view service, UdpConnectCallback cb,
                  const UdpOptions& options) {
  if (!cb) throw std::invalid_argument("ae::udp_connect: the callback is empty");
  ResolveOptions resolve_options;
  resolve_options.protocol = "udp";
  return resolve_sockaddr(host, service, resolve_options,
                          [cb = std::move(cb), options](
                              std::error_code ec, std::vector<SocketAddress> addresses) mutable {
                            if (ec)
                              return cb(Result<UdpSocket>(ec, "udp_connect: " + ec.message()));
                            cb(connect_first(addresses, options));
                          });
}

}  // namespace ae
