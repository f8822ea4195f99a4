#include "tests/support/ports.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "core/loop.h"

namespace ae::testing {
namespace {

bool g_isolated = false;

bool loopback_up() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  if (ok && (ifr.ifr_flags & IFF_UP) == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    ok = ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  }
  ::close(s);
  return ok;
}

// Binds a socket of `type` to 127.0.0.1:`port` (0: any); returns the fd, or -1.
int bind_loopback(int type, std::uint16_t port, std::uint16_t* bound) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(port);
  socklen_t len = sizeof sa;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    ::close(fd);
    return -1;
  }
  if (bound != nullptr) *bound = ntohs(sa.sin_port);
  return fd;
}

// The inodes of the sockets bound to `port` in /proc/net/<table> (for TCP, listening ones only).
void sockets_on_port(const char* table, std::uint16_t port, bool listening_only,
                     std::set<unsigned long>* inodes) {
  std::ifstream in(std::string("/proc/net/") + table);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
    unsigned long inode = 0;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    std::size_t colon = local.rfind(':');
    if (!fields || colon == std::string::npos) continue;
    if (std::strtoul(local.c_str() + colon + 1, nullptr, 16) != port) continue;
    if (listening_only && state != "0A") continue;  // TCP_LISTEN
    if (inode != 0) inodes->insert(inode);
  }
}

std::set<unsigned long> port_sockets(std::uint16_t port, PortProtocol protocol) {
  std::set<unsigned long> inodes;
  if (protocol == kTcp) {
    sockets_on_port("tcp", port, true, &inodes);
    sockets_on_port("tcp6", port, true, &inodes);
  } else {
    sockets_on_port("udp", port, false, &inodes);
    sockets_on_port("udp6", port, false, &inodes);
  }
  return inodes;
}

// The process group of process `pid` (-1 when it is gone).
int process_group(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream rest(stat.substr(paren + 1));
  std::string state;
  int ppid = 0, pgrp = -1;
  rest >> state >> ppid >> pgrp;
  return rest ? pgrp : -1;
}

bool holds_any(const std::string& pid, const std::set<unsigned long>& inodes) {
  std::string dir = "/proc/" + pid + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool found = false;
  while (dirent* e = ::readdir(d)) {
    char target[64];
    ssize_t n = ::readlinkat(::dirfd(d), e->d_name, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    unsigned long inode = 0;
    if (std::sscanf(target, "socket:[%lu]", &inode) == 1 && inodes.count(inode) != 0) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

}  // namespace

bool isolate_network() {
  if (const char* shared = std::getenv("AE_TEST_SHARED_NETWORK"); shared && *shared) return false;
  int old = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (old < 0) return false;
  if (::unshare(CLONE_NEWNET) != 0) {
    ::close(old);
    return false;
  }
  if (!loopback_up()) {
    // A namespace without a loopback interface is worse than a shared one: go back.
    if (::setns(old, CLONE_NEWNET) != 0) std::abort();
    ::close(old);
    return false;
  }
  ::close(old);
  g_isolated = true;
  return true;
}

bool network_isolated() noexcept { return g_isolated; }

bool group_holds_port(int pgid, std::uint16_t port, PortProtocol protocol) {
  std::set<unsigned long> inodes = port_sockets(port, protocol);
  if (inodes.empty()) return false;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return false;
  bool found = false;
  while (dirent* e = ::readdir(proc)) {
    std::string pid = e->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (process_group(pid) == pgid && holds_any(pid, inodes)) {
      found = true;
      break;
    }
  }
  ::closedir(proc);
  return found;
}

PortServer start_on_free_port(const std::function<std::vector<std::string>(std::uint16_t)>& command,
                              PortServerOptions options) {
  std::string last;
  for (int attempt = 0; attempt < options.attempts; ++attempt) {
    std::uint16_t port = free_port();
    auto p = std::make_unique<Process>(command(port), options.process);
    auto up = [&] {
      return ((options.protocols & kTcp) == 0 || group_holds_port(p->pid(), port, kTcp)) &&
             ((options.protocols & kUdp) == 0 || group_holds_port(p->pid(), port, kUdp));
    };
    // The sockets appear without an event the loop could see: look every 20 ms.
    Timer look = ae::timer(0.02, 0.02, [] {});
    bool ready = run_until([&] { return !p->running() || up(); }, options.timeout) && up();
    look.reset();
    if (ready && p->running()) return {std::move(p), port};
    last = "attempt " + std::to_string(attempt + 1) + " on port " + std::to_string(port) +
           (p->running() ? " timed out" : " exited") + ": " + p->output();
    bool lost_the_port =
        !p->running() || !port_sockets(port, kTcp).empty() || !port_sockets(port, kUdp).empty();
    p.reset();
    if (!lost_the_port) break;  // it is not about the port: another try would fail the same way
  }
  throw std::runtime_error("server did not start: " + last);
}

std::uint16_t free_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::uint16_t port = 0;
    int tcp = bind_loopback(SOCK_STREAM, 0, &port);
    if (tcp < 0) break;
    int udp = bind_loopback(SOCK_DGRAM, port, nullptr);
    ::close(tcp);
    if (udp >= 0) {
      ::close(udp);
      return port;
    }
  }
  throw std::runtime_error(std::string("free_port: ") + std::strerror(errno));
}

RefusingPort::RefusingPort(const std::string& ip) : ip_(ip) {
  bool v6 = ip.find(':') != std::string::npos;
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    len = sizeof *a;
    if (::inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr) != 1) {
      throw std::runtime_error("RefusingPort: not an address: " + ip);
    }
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    len = sizeof *a;
    if (::inet_pton(AF_INET, ip.c_str(), &a->sin_addr) != 1) {
      throw std::runtime_error("RefusingPort: not an address: " + ip);
    }
  }
  fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    int e = errno;
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("RefusingPort on " + ip + ": " + std::strerror(e));
  }
  port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                   : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

RefusingPort::~RefusingPort() {
  if (fd_ >= 0) ::close(fd_);
}

RefusingPort::RefusingPort(RefusingPort&& other) noexcept
    : ip_(std::move(other.ip_)), fd_(std::exchange(other.fd_, -1)), port_(other.port_) {}

std::string RefusingPort::hostport() const {
  bool v6 = ip_.find(':') != std::string::npos;
  return (v6 ? "[" + ip_ + "]:" : ip_ + ":") + std::to_string(port_);
}

}  // namespace ae::testing
