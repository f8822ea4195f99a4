#include "socket/internal/udp_endpoint.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <utility>

#include "core/log_hook.h"
#include "core/loop.h"

namespace ae::socket_internal {
namespace {

constexpr std::string_view kLogContext = "ae::socket";

std::error_code errno_code(int error) {
  return std::make_error_code(static_cast<std::errc>(error));
}

// Errors after which receiving cannot go on: the socket itself is unusable.
bool broken(int error) {
  return error == EBADF || error == ENOTSOCK || error == EFAULT || error == EINVAL;
}

// The local address a datagram was sent to, from its IP_PKTINFO / IPV6_PKTINFO control message.
void read_packet_info(msghdr& msg, std::uint16_t port, UdpMessage& message) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port);
      sa.sin_addr = info.ipi_addr;
      message.local = SocketAddress(reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
      message.interface_index = static_cast<unsigned>(info.ipi_ifindex);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(port);
      sa.sin6_addr = info.ipi6_addr;
      if (IN6_IS_ADDR_LINKLOCAL(&info.ipi6_addr)) sa.sin6_scope_id = info.ipi6_ifindex;
      message.local = SocketAddress(reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
      message.interface_index = info.ipi6_ifindex;
    }
  }
}

}  // namespace

UdpEndpoint::UdpEndpoint(UniqueFd fd, SocketAddress local, SocketAddress peer, bool packet_info,
                         const UdpOptions& options)
    : fd_(std::move(fd)),
      local_(local),
      peer_(peer),
      packet_info_(packet_info),
      send_queue_max_(options.send_queue_max),
      buffer_(options.max_datagram > 0 ? options.max_datagram : 1) {}

UdpEndpoint::~UdpEndpoint() { close(); }

UdpSocket UdpEndpoint::make_socket(std::shared_ptr<UdpEndpoint> endpoint) noexcept {
  return UdpSocket(std::move(endpoint));
}

void UdpEndpoint::on_receive(UdpReceiveCallback cb) {
  on_receive_ = cb ? std::make_shared<UdpReceiveCallback>(std::move(cb)) : nullptr;
  if (!fd_) return;
  if (!on_receive_) {
    readable_.reset();
    return;
  }
  if (!readable_) readable_ = io(fd_.get(), kRead, [this] { on_readable(); });
  if (!paused_) readable_.start();
}

void UdpEndpoint::on_error(UdpErrorCallback cb) {
  on_error_ = cb ? std::make_shared<UdpErrorCallback>(std::move(cb)) : nullptr;
}

void UdpEndpoint::pause() noexcept {
  paused_ = true;
  if (readable_) readable_.stop();
}

void UdpEndpoint::resume() {
  paused_ = false;
  if (readable_) readable_.start();
}

void UdpEndpoint::close() noexcept {
  readable_.reset();
  writable_.reset();
  queue_.clear();
  queued_bytes_ = 0;
  fd_.reset();
}

void UdpEndpoint::report(std::error_code error, std::string message) {
  if (on_error_ && owner_ != nullptr) {
    std::shared_ptr<UdpErrorCallback> cb = on_error_;
    (*cb)(*owner_, error, message);
  } else {
    core_log(LogLevel::kNote, kLogContext, message);
  }
}

void UdpEndpoint::on_readable() {
  std::shared_ptr<UdpEndpoint> keep = shared_from_this();
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in_pktinfo))];
  // The callbacks may close, pause or replace us; every turn checks again.
  for (int i = 0; i < kUdpReceiveBatch && fd_ && on_receive_ && !paused_; ++i) {
    UdpMessage message;
    iovec iov{buffer_.data(), buffer_.size()};
    msghdr msg{};
    msg.msg_name = message.peer.get();
    msg.msg_namelen = message.peer.capacity();
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (packet_info_) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
    }
    // MSG_TRUNC: the return value is the datagram's real size even when it did not fit.
    ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_TRUNC | MSG_DONTWAIT);
    if (n < 0) {
      int error = errno;
      if (error == EAGAIN || error == EWOULDBLOCK) return;
      if (error == EINTR) continue;
      // A connected socket's pending ICMP error (ECONNREFUSED, EHOSTUNREACH, ...): reading
      // reported and cleared it; the socket goes on.
      std::string what = "udp " + local_.to_string() +
                         (peer_.empty() ? std::string() : " to " + peer_.to_string()) +
                         ": receive: " + std::generic_category().message(error);
      if (broken(error)) readable_.reset();
      report(errno_code(error), std::move(what));
      if (broken(error)) return;
      continue;
    }
    message.peer.set_size(msg.msg_namelen);
    message.size = static_cast<std::size_t>(n);
    message.truncated = (msg.msg_flags & MSG_TRUNC) != 0 || message.size > buffer_.size();
    message.data = std::string_view(buffer_.data(), std::min(message.size, buffer_.size()));
    if (packet_info_) read_packet_info(msg, local_.port(), message);
    if (message.local.empty()) message.local = local_;
    if (owner_ == nullptr) return;
    std::shared_ptr<UdpReceiveCallback> cb = on_receive_;
    (*cb)(*owner_, message);
  }
}

int UdpEndpoint::send_now(std::string_view data, const SocketAddress& to,
                          const SocketAddress& source, unsigned interface_index) noexcept {
  iovec iov{const_cast<char*>(data.data()), data.size()};
  msghdr msg{};
  if (!to.empty()) {
    msg.msg_name = const_cast<sockaddr*>(to.get());
    msg.msg_namelen = to.size();
  }
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  if (!source.empty()) {
    msg.msg_control = control;
    cmsghdr* c = reinterpret_cast<cmsghdr*>(control);
    if (source.family() == AF_INET) {
      // ipi_spec_dst chooses the source address; the route still chooses the interface.
      in_pktinfo info{};
      info.ipi_spec_dst = reinterpret_cast<const sockaddr_in*>(source.get())->sin_addr;
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof info);
      std::memcpy(CMSG_DATA(c), &info, sizeof info);
      msg.msg_controllen = CMSG_SPACE(sizeof info);
    } else {
      // Also for an IPv4 peer of a "::" socket: Linux takes a v4-mapped IPV6_PKTINFO there.
      in6_pktinfo info{};
      info.ipi6_addr = reinterpret_cast<const sockaddr_in6*>(source.get())->sin6_addr;
      info.ipi6_ifindex = interface_index;
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof info);
      std::memcpy(CMSG_DATA(c), &info, sizeof info);
      msg.msg_controllen = CMSG_SPACE(sizeof info);
    }
  }
  for (;;) {
    if (::sendmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

std::error_code UdpEndpoint::send(std::string_view data, const SocketAddress& to,
                                  const SocketAddress& source, unsigned interface_index) {
  if (!fd_) return errno_code(EBADF);
  // Datagrams already waiting go first: order is kept.
  if (queue_.empty()) {
    int error = send_now(data, to, source, interface_index);
    if (error == 0) return {};
    // ENOBUFS: Linux's way of saying the device queue is full, as good as EAGAIN for UDP.
    if (error != EAGAIN && error != EWOULDBLOCK && error != ENOBUFS) return errno_code(error);
  }
  if (queued_bytes_ + data.size() > send_queue_max_) return errno_code(ENOBUFS);
  queue_.push_back(Queued{std::string(data), to, source, interface_index});
  queued_bytes_ += data.size();
  if (!writable_) writable_ = io(fd_.get(), kWrite, [this] { on_writable(); });
  return {};
}

void UdpEndpoint::on_writable() {
  std::shared_ptr<UdpEndpoint> keep = shared_from_this();
  while (fd_ && !queue_.empty()) {
    Queued& q = queue_.front();
    int error = send_now(q.data, q.to, q.source, q.interface_index);
    if (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS) return;
    std::string to = (q.to.empty() ? peer_ : q.to).to_string();
    queued_bytes_ -= q.data.size();
    queue_.pop_front();
    if (error != 0) {
      report(errno_code(error), "udp " + local_.to_string() + ": send to " + to + ": " +
                                    std::generic_category().message(error));
    }
  }
  if (fd_) writable_.reset();
}

}  // namespace ae::socket_internal
