#include "dns/internal/ares_channel.h"

#include <netinet/in.h>
#include <sys/time.h>

#include <cstring>
#include <exception>
#include <mutex>
#include <string>

#include "core/log_hook.h"
#include "dns/error.h"

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
  ::ares_query(channel_, name, qclass, type, cb, arg);
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
