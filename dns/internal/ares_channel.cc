#include "dns/internal/ares_channel.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <mutex>
#include <string>

#include "core/log_hook.h"
#include "dns/error.h"
#include "dns/packet.h"

namespace ae::dns_internal {
namespace {

Result<std::unique_ptr<AresChannel>> setup_error(int status, const char* what) {
  return Result<std::unique_ptr<AresChannel>>(
      status == ARES_ENOMEM ? dns::Error::kNoMemory : dns::Error::kServerFailure,
      std::string(what) + ::ares_strerror(status));
}

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { ::ares_library_init(ARES_LIB_INIT_ALL); });
}

}  // namespace

const ares_socket_functions AresChannel::kSocketFunctions = {
    &AresChannel::open_socket, &AresChannel::close_socket, &AresChannel::connect_socket,
    &AresChannel::receive,     &AresChannel::send_vector,
};

AresChannel::AresChannel(Loop& loop, ChannelOwner& owner, ChannelConfig config)
    : loop_(loop), owner_(owner), config_(std::move(config)) {}

Result<std::unique_ptr<AresChannel>> AresChannel::create(Loop& loop, ChannelOwner& owner,
                                                         const ChannelConfig& config) {
  init_library();
  std::unique_ptr<AresChannel> self(new AresChannel(loop, owner, config));

  ares_options o;
  std::memset(&o, 0, sizeof o);
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS |
             ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB | ARES_OPT_NOROTATE |
             ARES_OPT_RESOLVCONF;
  // NOCHECKRESP: SERVFAIL and REFUSED end the query, as in AnyEvent (c-ares would try the next
  // server). Search lists and aliases are handled above c-ares.
  o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
  if (config.edns0) {
    o.flags |= ARES_FLAG_EDNS;
    o.ednspsz = 4096;
    mask |= ARES_OPT_EDNSPSZ;
  }
  o.timeout = std::max(config.timeout_ms, 1);
  o.tries = 1;
  o.ndots = 1;
  o.ndomains = 0;
  char lookups[] = "b";
  o.lookups = lookups;
  o.sock_state_cb = &AresChannel::on_sock_state;
  o.sock_state_cb_data = self.get();
  // The servers are set below; c-ares must not pick up the system's.
  char no_file[] = "/dev/null";
  o.resolvconf_path = no_file;

  int status = ::ares_init_options(&self->channel_, &o, mask);
  if (status != ARES_SUCCESS) {
    self->channel_ = nullptr;
    return setup_error(status, "c-ares channel setup failed: ");
  }
  ::ares_set_socket_functions(self->channel_, &kSocketFunctions, self.get());

  std::vector<ares_addr_port_node> nodes(config.servers.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const SocketAddress& s = config.servers[i];
    ares_addr_port_node& n = nodes[i];
    n.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
    n.family = s.family();
    if (s.family() == AF_INET) {
      std::memcpy(&n.addr.addr4, &reinterpret_cast<const sockaddr_in*>(s.get())->sin_addr, 4);
    } else {
      std::memcpy(&n.addr.addr6, &reinterpret_cast<const sockaddr_in6*>(s.get())->sin6_addr, 16);
    }
    n.udp_port = n.tcp_port = s.port() != 0 ? s.port() : 53;
  }
  status = ::ares_set_servers_ports(self->channel_, nodes.empty() ? nullptr : nodes.data());
  if (status != ARES_SUCCESS) return setup_error(status, "c-ares server setup failed: ");
  return self;
}

AresChannel::~AresChannel() {
  if (channel_ != nullptr) ::ares_destroy(channel_);
}

void AresChannel::query(const char* name, int qclass, int type, ares_callback cb, void* arg) {
  ++pending_;
  // Owned by c-ares until on_done(), which c-ares calls exactly once (ares_destroy() included).
  auto* call = new Call{this, cb, arg, std::nullopt, false};
  sending_ = call;
  ::ares_query(channel_, name, qclass, type, &AresChannel::on_done, call);
  sending_ = nullptr;
  // A new query's deadline is never earlier than those already pending (one timeout per
  // channel), so an armed timer stays right.
  if (pending_ > 0 && !timer_.active()) arm_timer();
}

void AresChannel::process(int read_fd, int write_fd) {
  ::ares_process_fd(channel_, read_fd, write_fd);
  if (pending_ == 0) {
    timer_.stop();
  } else if (read_fd == ARES_SOCKET_BAD && write_fd == ARES_SOCKET_BAD) {
    arm_timer();  // the timer fired: find the next deadline
  }
}

void AresChannel::arm_timer() {
  timeval tv{};
  if (::ares_timeout(channel_, nullptr, &tv) == nullptr) {
    timer_.stop();
    return;
  }
  // c-ares rounds down to the millisecond; one more avoids waking just before the deadline.
  Seconds after(static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6 + 0.001);
  if (timer_) {
    timer_.set(after);
  } else {
    timer_ = loop_.timer(
        after, [this] { owner_.on_channel_event(*this, ARES_SOCKET_BAD, ARES_SOCKET_BAD); });
  }
}

void AresChannel::on_done(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
  std::unique_ptr<Call> call(static_cast<Call*>(arg));
  AresChannel& self = *call->channel;
  if (self.sending_ == call.get()) self.sending_ = nullptr;
  if (call->id) {
    auto it = self.sent_.find(*call->id);
    if (it != self.sent_.end() && it->second.call == call.get()) self.sent_.erase(it);
  }
  if (call->malformed) {
    // The SERVFAIL c-ares ended the query with was ours, standing in for the real answer.
    status = ARES_EBADRESP;
    abuf = nullptr;
    alen = 0;
  }
  call->cb(call->arg, status, timeouts, abuf, alen);
}

ares_socket_t AresChannel::open_socket(int domain, int type, int protocol, void* data) {
  auto* self = static_cast<AresChannel*>(data);
  // c-ares configures none of a socket it did not open itself: non-blocking, close-on-exec and
  // TCP_NODELAY (as it would have) are ours to set.
  int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return ARES_SOCKET_BAD;
  if (type == SOCK_DGRAM) {
    self->udp_fds_.insert(fd);
  } else if (type == SOCK_STREAM) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

int AresChannel::close_socket(ares_socket_t fd, void* data) {
  static_cast<AresChannel*>(data)->udp_fds_.erase(fd);
  return ::close(fd);
}

int AresChannel::connect_socket(ares_socket_t fd, const sockaddr* to, ares_socklen_t len, void*) {
  return ::connect(fd, to, len);
}

ares_ssize_t AresChannel::receive(ares_socket_t fd, void* buf, std::size_t len, int flags,
                                  sockaddr* from, ares_socklen_t* from_len, void* data) {
  auto* self = static_cast<AresChannel*>(data);
  ssize_t n = ::recvfrom(fd, buf, len, flags, from, from_len);
  // UDP only: a TCP answer arrives in pieces (its length, then the message), read apart.
  if (n <= 0 || !self->udp_fds_.contains(fd)) return n;
  return static_cast<ares_ssize_t>(self->replace_if_malformed(static_cast<unsigned char*>(buf),
                                                              static_cast<std::size_t>(n), len));
}

ares_ssize_t AresChannel::send_vector(ares_socket_t fd, const iovec* iov, int count, void* data) {
  auto* self = static_cast<AresChannel*>(data);
  ssize_t n = ::writev(fd, iov, count);
  if (n >= 0 && self->udp_fds_.contains(fd)) self->note_sent(iov, count);
  return n;
}

void AresChannel::note_sent(const iovec* iov, int count) {
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < count; ++i) {
    const auto* p = static_cast<const std::uint8_t*>(iov[i].iov_base);
    bytes.insert(bytes.end(), p, p + iov[i].iov_len);
  }
  if (bytes.size() < 12) return;  // not a query c-ares made
  auto id = static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
  Sent& sent = sent_[id];
  sent.bytes = std::move(bytes);
  // The first send happens inside ares_query(); a resend (the next server, or the query again
  // without EDNS) carries the same id.
  if (sending_ != nullptr) {
    sent.call = sending_;
    sending_->id = id;
  }
  if (sent.call == nullptr) sent_.erase(id);
}

std::size_t AresChannel::replace_if_malformed(unsigned char* buf, std::size_t len,
                                              std::size_t capacity) {
  if (len < 2) return len;
  auto it = sent_.find(static_cast<std::uint16_t>(buf[0] << 8 | buf[1]));
  if (it == sent_.end() || it->second.call->malformed) return len;
  if (dns::parse_message(std::span<const std::uint8_t>(buf, len))) return len;
  const std::vector<std::uint8_t>& query = it->second.bytes;
  if (query.size() > capacity) return len;
  std::memcpy(buf, query.data(), query.size());
  // QR set and SERVFAIL: not FORMERR, which c-ares takes as "no EDNS here" and sends again.
  buf[2] |= 0x80;
  buf[3] = static_cast<unsigned char>((buf[3] & 0xf0) | dns::kRcodeServFail);
  it->second.call->malformed = true;
  core_log(LogLevel::kDebug, "ae::dns",
           "malformed DNS answer (" + std::to_string(len) + " octets) to a pending query");
  return query.size();
}

void AresChannel::on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  auto* self = static_cast<AresChannel*>(data);
  // An exception must not unwind through c-ares.
  try {
    self->watch(fd, readable != 0, writable != 0);
  } catch (const std::exception& e) {
    core_log(LogLevel::kError, "ae::dns",
             std::string("cannot watch a DNS socket (the query will time out): ") + e.what());
  }
}

void AresChannel::watch(int fd, bool readable, bool writable) {
  if (!readable && !writable) {
    watches_.erase(fd);  // c-ares is about to close it
    return;
  }
  Watch& w = watches_[fd];
  if (readable) {
    if (!w.read) {
      w.read =
          loop_.io(fd, kRead, [this, fd] { owner_.on_channel_event(*this, fd, ARES_SOCKET_BAD); });
    }
  } else {
    w.read.reset();
  }
  if (writable) {
    if (!w.write) {
      w.write =
          loop_.io(fd, kWrite, [this, fd] { owner_.on_channel_event(*this, ARES_SOCKET_BAD, fd); });
    }
  } else {
    w.write.reset();
  }
}

}  // namespace ae::dns_internal
