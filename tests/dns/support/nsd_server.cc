#include "tests/dns/support/nsd_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace ae::dns_test {
namespace {

// A port free for UDP and TCP on 127.0.0.1 (and ::1 when `v6`), chosen by the kernel.
std::uint16_t free_port(bool v6) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int u = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(u, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(u);
      continue;
    }
    std::uint16_t port = ntohs(a.sin_port);
    bool ok = true;
    auto try_bind = [&](int family, int type) {
      int s = ::socket(family, type, 0);
      int one = 1;
      ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      int r;
      if (family == AF_INET) {
        sockaddr_in b = a;
        r = ::bind(s, reinterpret_cast<sockaddr*>(&b), sizeof b);
      } else {
        sockaddr_in6 b{};
        b.sin6_family = AF_INET6;
        b.sin6_addr = in6addr_loopback;
        b.sin6_port = htons(port);
        r = ::bind(s, reinterpret_cast<sockaddr*>(&b), sizeof b);
      }
      ::close(s);
      if (r != 0) ok = false;
    };
    try_bind(AF_INET, SOCK_STREAM);
    if (v6) {
      try_bind(AF_INET6, SOCK_DGRAM);
      try_bind(AF_INET6, SOCK_STREAM);
    }
    ::close(u);
    if (ok) return port;
  }
  return 0;
}

bool v6_loopback_works() {
  int s = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (s < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

// Sends an SOA query for `origin` over UDP and waits up to 200 ms for any answer.
bool answers(std::uint16_t port, const std::string& origin) {
  std::string q("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
  std::stringstream labels(origin);
  std::string label;
  while (std::getline(labels, label, '.')) {
    q += static_cast<char>(label.size());
    q += label;
  }
  q += std::string("\x00\x00\x06\x00\x01", 5);
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{0, 200000};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  ::sendto(s, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  char buf[4096];
  ssize_t n = ::recv(s, buf, sizeof buf, 0);
  ::close(s);
  // An answer for our id that is not SERVFAIL (nsd answers SERVFAIL while a zone is loading).
  return n >= 12 && buf[0] == 0x12 && buf[1] == 0x34 && (buf[3] & 0x0F) == 0;
}

}  // namespace

std::string scratch_dir() {
  const char* t = std::getenv("TEST_TMPDIR");
  if (t != nullptr && *t != '\0') return t;
  char tmpl[] = "/tmp/ae-dns-XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  return d != nullptr ? d : "/tmp";
}

bool write_file(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::trunc);
  out << contents;
  return static_cast<bool>(out.flush());
}

std::unique_ptr<NsdServer> NsdServer::start(const std::vector<Zone>& zones, std::string* error) {
  static std::atomic<int> serial{0};
  std::unique_ptr<NsdServer> s(new NsdServer);
  s->dir_ = scratch_dir() + "/nsd-" + std::to_string(::getpid()) + "-" + std::to_string(serial++);
  ::mkdir(s->dir_.c_str(), 0755);
  s->has_v6_ = v6_loopback_works();
  s->port_ = free_port(s->has_v6_);
  if (s->port_ == 0) {
    *error = "no free port";
    return nullptr;
  }
  std::ostringstream conf;
  conf << "server:\n"
       << "  port: " << s->port_ << "\n"
       << "  ip-address: 127.0.0.1\n";
  if (s->has_v6_) conf << "  ip-address: ::1\n";
  conf << "  username: \"\"\n"
       << "  chroot: \"\"\n"
       << "  zonesdir: \"" << s->dir_ << "\"\n"
       << "  pidfile: \"" << s->dir_ << "/nsd.pid\"\n"
       << "  database: \"\"\n"
       << "  xfrdfile: \"" << s->dir_ << "/xfrd.state\"\n"
       << "  zonelistfile: \"" << s->dir_ << "/zone.list\"\n"
       << "  xfrdir: \"" << s->dir_ << "\"\n"
       << "  logfile: \"" << s->dir_ << "/nsd.log\"\n"
       << "  server-count: 1\n"
       << "  verbosity: 1\n"
       << "  hide-version: yes\n"
       << "remote-control:\n"
       << "  control-enable: no\n";
  for (const Zone& z : zones) {
    std::string file = z.origin + ".zone";
    if (!write_file(s->dir_ + "/" + file, z.text)) {
      *error = "cannot write " + file;
      return nullptr;
    }
    conf << "zone:\n  name: \"" << z.origin << "\"\n  zonefile: \"" << file << "\"\n";
  }
  std::string conf_path = s->dir_ + "/nsd.conf";
  if (!write_file(conf_path, conf.str())) {
    *error = "cannot write nsd.conf";
    return nullptr;
  }
  std::string log = s->dir_ + "/nsd.out";
  pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the test
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execl("/usr/sbin/nsd", "nsd", "-d", "-c", conf_path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  s->pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (answers(s->port_, zones.front().origin)) return s;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      s->pid_ = -1;
      std::ifstream in(s->dir_ + "/nsd.log");
      std::stringstream text;
      text << in.rdbuf();
      *error = "nsd exited: " + text.str();
      return nullptr;
    }
  }
  *error = "nsd did not answer within 20 s";
  return nullptr;
}

NsdServer::~NsdServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

SocketAddress NsdServer::v4() const { return *SocketAddress::from_numeric("127.0.0.1", port_); }
SocketAddress NsdServer::v6() const { return *SocketAddress::from_numeric("::1", port_); }

}  // namespace ae::dns_test
