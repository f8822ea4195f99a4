#include "socket/server.h"

#include <errno.h>
#include <sys/socket.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "core/resolver.h"
#include "core/unique_fd.h"
#include "socket/address.h"
#include "socket/internal/listener.h"

namespace ae {
namespace {

using socket_internal::Listener;

Error errno_error(int error, std::string what) {
  what += ": ";
  what += std::generic_category().message(error);
  return Error{std::make_error_code(static_cast<std::errc>(error)), std::move(what)};
}

Error invalid(std::string message) {
  return Error{std::make_error_code(std::errc::invalid_argument), std::move(message)};
}

bool ipv6_works() {
  UniqueFd probe(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return static_cast<bool>(probe);
}

// AnyEvent's default host: "::" when IPv6 is preferred and works, else "0" (IPv4 any).
std::string default_host() {
  return protocol_preference().front() == AF_INET6 && ipv6_works() ? "::" : "0";
}

Result<std::shared_ptr<Listener>> listen_on(std::string_view host_text, std::string_view service,
                                            ServerPrepareCallback& prepare, const char* who,
                                            const ServerSocketOptions& options = {}) {
  std::string host = host_text.empty() ? default_host() : std::string(host_text);
  std::optional<HostAddress> ipn = parse_address(host);
  if (!ipn) return invalid(std::string(who) + ": cannot parse '" + host + "' as host address");

  SocketAddress address;
  std::string unix_path;
  if (ipn->family() == AF_UNIX) {
    std::optional<SocketAddress> a = SocketAddress::unix_path(service);
    if (service.empty() || !a) {
      return invalid(std::string(who) + ": '" + std::string(service) +
                     "' is not a usable unix socket path (empty or too long)");
    }
    address = *a;
    unix_path = service;
  } else {
    std::uint16_t port = 0;
    if (!service.empty()) {
      Result<std::uint16_t> p = resolve_service(service, "tcp");
      if (!p) return Error{p.code(), std::string(who) + ": " + p.message()};
      port = *p;
    }
    address = pack_sockaddr(port, *ipn);
  }

  UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error(errno, std::string(who) + ": socket");
  if (address.family() == AF_UNIX) {
    ::unlink(unix_path.c_str());  // as AnyEvent: a stale socket file must not block the bind
  } else {
    int on = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
      return errno_error(errno, std::string(who) + ": setsockopt SO_REUSEADDR");
    }
    if (options.reuse_port &&
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0) {
      return errno_error(errno, std::string(who) + ": setsockopt SO_REUSEPORT");
    }
  }
  if (options.before_bind) options.before_bind(fd.get());
  if (::bind(fd.get(), address.get(), address.size()) < 0) {
    return errno_error(errno, std::string(who) + ": bind " + address.to_string());
  }
  SocketAddress local;
  socklen_t size = local.capacity();
  if (::getsockname(fd.get(), local.get(), &size) < 0) {
    return errno_error(errno, std::string(who) + ": getsockname");
  }
  local.set_size(size);

  // From here on the listener owns the socket: a failure below closes it and unlinks the path.
  auto listener = std::make_shared<Listener>(std::move(fd), local, std::move(unix_path));
  int backlog = prepare ? prepare(listener->fd(), format_host(local), local.port()) : 0;
  if (backlog <= 0) backlog = kDefaultListenBacklog;
  if (::listen(listener->fd(), backlog) < 0) {
    return errno_error(errno, std::string(who) + ": listen " + local.to_string());
  }
  return listener;
}

}  // namespace

TcpServer::TcpServer() noexcept = default;
TcpServer::TcpServer(std::shared_ptr<socket_internal::Listener> listener) noexcept
    : listener_(std::move(listener)) {}
TcpServer::TcpServer(TcpServer&& other) noexcept = default;

TcpServer& TcpServer::operator=(TcpServer&& other) noexcept {
  if (this != &other) {
    close();
    listener_ = std::move(other.listener_);
  }
  return *this;
}

TcpServer::~TcpServer() { close(); }

int TcpServer::fd() const noexcept { return listener_ ? listener_->fd() : -1; }

const SocketAddress& TcpServer::local_address() const noexcept {
  static const SocketAddress kNone;
  return listener_ ? listener_->local() : kNone;
}

std::string TcpServer::host() const { return format_host(local_address()); }

std::uint16_t TcpServer::port() const noexcept { return local_address().port(); }

void TcpServer::close() noexcept {
  if (!listener_) return;
  // The listener may be in the middle of its accept loop (this runs inside the callback); it
  // keeps itself alive until the loop returns, but stops now.
  std::shared_ptr<socket_internal::Listener> listener = std::move(listener_);
  listener->close();
}

Result<TcpServer> tcp_bind(std::string_view host, std::string_view service,
                           ServerPrepareCallback prepare) {
  Result<std::shared_ptr<Listener>> listener = listen_on(host, service, prepare, "tcp_bind");
  if (!listener) return listener.error();
  return TcpServer(std::move(*listener));
}

Result<TcpServer> tcp_server(std::string_view host, std::string_view service, AcceptCallback accept,
                             ServerPrepareCallback prepare) {
  return tcp_server(host, service, std::move(accept), std::move(prepare), ServerSocketOptions{});
}

namespace {

// tcp_server's listener, accepting into `accept` or `counted`.
Result<std::shared_ptr<Listener>> serve(std::string_view host, std::string_view service,
                                        AcceptCallback accept, CountedAcceptCallback counted,
                                        ServerPrepareCallback& prepare,
                                        const ServerSocketOptions& options) {
  if (!accept && !counted)
    throw std::invalid_argument("ae::tcp_server: the accept callback is empty");
  if (options.max_connections > 0 && !counted) {
    throw std::invalid_argument(
        "ae::tcp_server: max_connections needs an accept callback that takes the connection's "
        "Guard (CountedAcceptCallback)");
  }
  if (!(options.max_accepts_per_second >= 0) || std::isinf(options.max_accepts_per_second)) {
    throw std::invalid_argument(
        "ae::tcp_server: max_accepts_per_second must be a finite number >= 0");
  }
  Result<std::shared_ptr<Listener>> listener =
      listen_on(host, service, prepare, "tcp_server", options);
  if (!listener) return listener.error();
  (*listener)->start_accepting(std::move(accept), std::move(counted), options);
  return listener;
}

}  // namespace

Result<TcpServer> tcp_server(std::string_view host, std::string_view service, AcceptCallback accept,
                             ServerPrepareCallback prepare, const ServerSocketOptions& options) {
  Result<std::shared_ptr<Listener>> listener =
      serve(host, service, std::move(accept), nullptr, prepare, options);
  if (!listener) return listener.error();
  return TcpServer(std::move(*listener));
}

Result<TcpServer> tcp_server(std::string_view host, std::string_view service,
                             CountedAcceptCallback accept, ServerPrepareCallback prepare,
                             const ServerSocketOptions& options) {
  if (!accept) throw std::invalid_argument("ae::tcp_server: the accept callback is empty");
  Result<std::shared_ptr<Listener>> listener =
      serve(host, service, nullptr, std::move(accept), prepare, options);
  if (!listener) return listener.error();
  return TcpServer(std::move(*listener));
}

}  // namespace ae
