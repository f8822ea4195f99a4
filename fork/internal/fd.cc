#include "fork/internal/fd.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

namespace ae::fork_internal {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::pair<UniqueFd, UniqueFd> socket_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw_errno("socketpair");
  return {UniqueFd(sv[0]), UniqueFd(sv[1])};
}

std::pair<UniqueFd, UniqueFd> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw_errno("pipe2");
  return {UniqueFd(p[0]), UniqueFd(p[1])};
}

UniqueFd dup_cloexec(int fd) {
  int d = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (d < 0) throw_errno("dup");
  return UniqueFd(d);
}

void set_nonblocking(int fd, bool on) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl >= 0) ::fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK));
}

void set_cloexec(int fd, bool on) {
  int fl = ::fcntl(fd, F_GETFD);
  if (fl >= 0) ::fcntl(fd, F_SETFD, on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC));
}

bool send_all(int fd, std::string_view bytes, std::span<const int> fds) {
  std::size_t off = 0;
  bool fds_sent = fds.empty();
  while (off < bytes.size() || !fds_sent) {
    iovec iov{const_cast<char*>(bytes.data() + off), bytes.size() - off};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control;
    if (!fds_sent) {
      control.resize(CMSG_SPACE(sizeof(int) * fds.size()));
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    fds_sent = true;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, std::string_view bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

BlockingReader::~BlockingReader() { close_fds(); }

bool BlockingReader::fill(std::size_t want) {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  char data[65536];
  std::size_t size = read_ahead_ ? sizeof data : std::min(want, sizeof data);
  for (;;) {
    ssize_t n;
    if (is_socket_) {
      iovec iov{data, size};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 16)];
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      n = ::recvmsg(fd_, &msg, MSG_CMSG_CLOEXEC);
      if (n >= 0) {
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
          if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
          std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
          for (std::size_t i = 0; i < count; ++i) {
            int got;
            std::memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            fds_.push_back(got);
          }
        }
      }
    } else {
      n = ::read(fd_, data, size);
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf_.append(data, static_cast<std::size_t>(n));
    return true;
  }
}

bool BlockingReader::read_exact(std::size_t n, std::string& out) {
  out.clear();
  while (out.size() < n) {
    if (pos_ == buf_.size() && !fill(n - out.size())) return false;
    std::size_t take = std::min(n - out.size(), buf_.size() - pos_);
    out.append(buf_, pos_, take);
    pos_ += take;
  }
  return true;
}

int BlockingReader::take_fd() {
  if (fds_.empty()) return -1;
  int fd = fds_.front();
  fds_.pop_front();
  return fd;
}

void BlockingReader::close_fds() noexcept {
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

void close_fds_except(std::span<const int> keep) noexcept {
  // Collect first: closing while reading /proc/self/fd would close the directory's own fd.
  std::vector<int> open_fds;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    int self = ::dirfd(d);
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      int fd = std::atoi(e->d_name);
      if (fd != self) open_fds.push_back(fd);
    }
    ::closedir(d);
  } else {
    long max = ::sysconf(_SC_OPEN_MAX);
    if (max <= 0) max = 1024;
    for (int fd = 0; fd < max; ++fd) open_fds.push_back(fd);
  }
  for (int fd : open_fds) {
    if (std::find(keep.begin(), keep.end(), fd) == keep.end()) ::close(fd);
  }
}

}  // namespace ae::fork_internal
