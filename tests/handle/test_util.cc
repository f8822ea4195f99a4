#include "tests/handle/test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace ae::testing {
namespace {

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    std::size_t comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

RawPeer::RawPeer(int fd) : fd_(fd) {
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  reader_ = io(fd_, kRead, [this] {
    char buf[65536];
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      received_.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      eof_ = true;
      reader_.stop();
    }
  });
}

RawPeer::~RawPeer() { close(); }

void RawPeer::write(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno == EAGAIN) {
      // Let the loop drain the other side (it is usually a Handle on this thread).
      Loop::current().run_once(false);
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 10);
    } else {
      throw std::runtime_error(std::string("RawPeer::write: ") + std::strerror(errno));
    }
  }
}

void RawPeer::send_later(std::string data) {
  outgoing_.erase(0, sent_);
  sent_ = 0;
  outgoing_ += data;
  if (writer_ || outgoing_.empty()) return;
  writer_ = io(fd_, kWrite, [this] {
    ssize_t n = ::send(fd_, outgoing_.data() + sent_, outgoing_.size() - sent_, MSG_NOSIGNAL);
    if (n > 0) sent_ += static_cast<std::size_t>(n);
    if (unsent() == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) writer_.reset();
  });
}

bool RawPeer::wait_bytes(std::size_t n, double seconds) {
  return run_until([&] { return received_.size() >= n || eof_; }, Seconds(seconds)) &&
         received_.size() >= n;
}

bool RawPeer::wait_eof(double seconds) {
  return run_until([&] { return eof_; }, Seconds(seconds));
}

void RawPeer::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

void RawPeer::reset() {
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close();
}

void RawPeer::close() {
  reader_.reset();
  writer_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// ---- TestConnector ------------------------------------------------------------------------------

namespace {

struct Attempt : std::enable_shared_from_this<Attempt> {
  std::vector<SocketAddress> targets;
  std::size_t next = 0;
  ConnectCallback cb;
  PrepareCallback prepare;
  int* attempts = nullptr;
  bool cancelled = false;
  int fd = -1;
  std::error_code last;
  Io writable;
  Timer timeout;
  Timer kick;

  void close_fd() {
    writable.reset();
    timeout.reset();
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  void start_next() {
    close_fd();
    if (cancelled) return;
    if (next >= targets.size()) {
      auto self = shared_from_this();
      cb(last ? last : std::make_error_code(std::errc::host_unreachable), Connection{});
      return;
    }
    const SocketAddress& to = targets[next++];
    ++*attempts;
    fd = ::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    Seconds limit(0);
    if (prepare) limit = prepare(fd);
    if (cancelled) return;
    if (::connect(fd, to.get(), to.size()) == 0 || errno == EINPROGRESS) {
      std::weak_ptr<Attempt> weak = weak_from_this();
      writable = io(fd, kWrite, [weak] {
        if (auto a = weak.lock()) a->finish();
      });
      if (limit.count() > 0) {
        timeout = timer(limit, [weak] {
          if (auto a = weak.lock()) {
            a->last = std::make_error_code(std::errc::timed_out);
            a->start_next();
          }
        });
      }
    } else {
      last = std::error_code(errno, std::generic_category());
      start_next();
    }
  }

  void finish() {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last = std::error_code(err, std::generic_category());
      start_next();
      return;
    }
    Connection c;
    c.fd = fd;
    fd = -1;
    writable.reset();
    timeout.reset();
    c.peer = targets[next - 1];
    std::weak_ptr<Attempt> weak = weak_from_this();
    c.retry = [weak] {
      if (auto a = weak.lock()) a->start_next();
    };
    auto self = shared_from_this();
    cb({}, std::move(c));
  }
};

}  // namespace

Guard TestConnector::connect(std::string_view host, std::string_view service, ConnectCallback cb,
                             PrepareCallback prepare) {
  auto a = std::make_shared<Attempt>();
  auto hosts = split(host);
  auto ports = split(service);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    int port = std::stoi(ports[std::min(i, ports.size() - 1)]);
    auto addr = SocketAddress::from_numeric(hosts[i], static_cast<std::uint16_t>(port));
    if (addr) a->targets.push_back(*addr);
  }
  a->cb = std::move(cb);
  a->prepare = std::move(prepare);
  a->attempts = &attempts;
  if (a->targets.empty()) a->last = std::make_error_code(std::errc::no_such_device_or_address);
  a->kick = timer(Seconds(0), [a] { a->start_next(); });  // never inside connect()
  return Guard([a] {
    a->cancelled = true;
    a->close_fd();
    a->kick.reset();
  });
}

ScopedTestConnector::ScopedTestConnector() : connector_(std::make_shared<TestConnector>()) {
  set_default_connector(connector_);
}

ScopedTestConnector::~ScopedTestConnector() { set_default_connector(nullptr); }

// ---- LoopTest -----------------------------------------------------------------------------------

}  // namespace ae::testing
