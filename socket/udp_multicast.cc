// UdpSocket's multicast membership and sending options (socket/udp.h).
#include "socket/udp.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>
#include <string>

#include "socket/address.h"

namespace ae {
namespace {

std::error_code errno_code() { return std::make_error_code(static_cast<std::errc>(errno)); }

std::error_code invalid() { return std::make_error_code(std::errc::invalid_argument); }

// An interface as join_group takes it: empty, a name, or (IPv4) one of its addresses.
struct Interface {
  unsigned index = 0;
  std::optional<in_addr> v4_address;
};

std::optional<Interface> parse_interface(std::string_view text, std::error_code& ec) {
  Interface result;
  if (text.empty()) return result;
  if (std::optional<HostAddress> a = parse_address(text)) {
    if (a->family() != AF_INET) {
      ec = invalid();
      return std::nullopt;
    }
    in_addr v4;
    std::memcpy(&v4, a->bytes().data(), sizeof v4);
    result.v4_address = v4;
    return result;
  }
  std::string name(text);
  result.index = ::if_nametoindex(name.c_str());
  if (result.index == 0) {
    ec = std::make_error_code(std::errc::no_such_device);
    return std::nullopt;
  }
  return result;
}

ip_mreqn v4_request(const Interface& interface) {
  ip_mreqn r{};
  r.imr_address.s_addr = interface.v4_address ? interface.v4_address->s_addr : INADDR_ANY;
  r.imr_ifindex = static_cast<int>(interface.index);
  return r;
}

std::error_code membership(int fd, std::string_view group_text, std::string_view interface_text,
                           bool join) {
  if (fd < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  std::optional<HostAddress> group = parse_address(group_text);
  if (!group) return invalid();
  std::error_code ec;
  std::optional<Interface> interface = parse_interface(interface_text, ec);
  if (!interface) return ec;
  if (group->family() == AF_INET) {
    if (!IN_MULTICAST((std::uint32_t{group->bytes()[0]} << 24))) return invalid();
    ip_mreqn r = v4_request(*interface);
    std::memcpy(&r.imr_multiaddr, group->bytes().data(), 4);
    int option = join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP;
    if (::setsockopt(fd, IPPROTO_IP, option, &r, sizeof r) < 0) return errno_code();
    return {};
  }
  if (group->family() != AF_INET6 || group->bytes()[0] != 0xff) return invalid();
  if (interface->v4_address) return invalid();
  ipv6_mreq r{};
  std::memcpy(&r.ipv6mr_multiaddr, group->bytes().data(), 16);
  r.ipv6mr_interface = interface->index;
  int option = join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP;
  if (::setsockopt(fd, IPPROTO_IPV6, option, &r, sizeof r) < 0) return errno_code();
  return {};
}

// Sets an integer option at IPv4 level (an AF_INET socket, or a "::" socket's IPv4 side) and at
// IPv6 level (an AF_INET6 socket).
std::error_code set_both(int fd, int family, int v4_option, int v6_option, int value) {
  if (fd < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  if (family == AF_INET6 && ::setsockopt(fd, IPPROTO_IPV6, v6_option, &value, sizeof value) < 0) {
    return errno_code();
  }
  if (::setsockopt(fd, IPPROTO_IP, v4_option, &value, sizeof value) < 0) return errno_code();
  return {};
}

}  // namespace

std::error_code UdpSocket::join_group(std::string_view group, std::string_view interface) {
  return membership(fd(), group, interface, true);
}

std::error_code UdpSocket::leave_group(std::string_view group, std::string_view interface) {
  return membership(fd(), group, interface, false);
}

std::error_code UdpSocket::set_multicast_interface(std::string_view interface_text) {
  int fd = this->fd();
  if (fd < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  std::error_code ec;
  std::optional<Interface> interface = parse_interface(interface_text, ec);
  if (!interface) return ec;
  if (local_address().family() == AF_INET6 && !interface->v4_address) {
    int index = static_cast<int>(interface->index);
    if (::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index) < 0) {
      return errno_code();
    }
  }
  ip_mreqn r = v4_request(*interface);
  if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &r, sizeof r) < 0) return errno_code();
  return {};
}

std::error_code UdpSocket::set_multicast_loop(bool on) {
  return set_both(fd(), local_address().family(), IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP,
                  on ? 1 : 0);
}

std::error_code UdpSocket::set_multicast_ttl(int hops) {
  if (hops < 0 || hops > 255) return invalid();
  return set_both(fd(), local_address().family(), IP_MULTICAST_TTL, IPV6_MULTICAST_HOPS, hops);
}

}  // namespace ae
