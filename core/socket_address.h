// ae::SocketAddress: one socket address (IPv4, IPv6 or unix-domain) as the kernel takes it.
//
// What resolvers return and what connect/accept deal in. //socket builds AnyEvent::Socket's
// address helpers (parse_address, format_address, ...) on top of it.
//
// Example:
//   auto a = ae::SocketAddress::from_numeric("::1", 8080);   // std::optional
//   a->to_string();                                          // "[::1]:8080"
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ae {

class SocketAddress {
 public:
  SocketAddress() noexcept = default;
  // Copies `len` bytes of `sa` (clamped to sizeof(sockaddr_storage)).
  SocketAddress(const sockaddr* sa, socklen_t len) noexcept;

  // A numeric IPv4 or IPv6 address (no names, no scope ids), or "unix/" with `unix_path`.
  static std::optional<SocketAddress> from_numeric(std::string_view host, std::uint16_t port);
  static std::optional<SocketAddress> unix_path(std::string_view path);

  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t size() const noexcept { return len_; }
  // For accept(2)/getpeername(2): the whole storage, then set_size() with what they reported.
  socklen_t capacity() const noexcept { return sizeof storage_; }
  void set_size(socklen_t len) noexcept { len_ = len; }

  // AF_INET, AF_INET6, AF_UNIX, or AF_UNSPEC when empty.
  int family() const noexcept { return len_ == 0 ? AF_UNSPEC : storage_.ss_family; }
  bool empty() const noexcept { return len_ == 0; }

  // The port (0 for unix-domain addresses).
  std::uint16_t port() const noexcept;
  void set_port(std::uint16_t port) noexcept;

  // The host as text: "127.0.0.1", "::1", the path of a unix-domain socket ("unix/" if unnamed).
  std::string host() const;
  // host:port with IPv6 in brackets, or "unix/:path" (AnyEvent's format_hostport).
  std::string to_string() const;

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = 0;
};

}  // namespace ae
