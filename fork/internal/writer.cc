#include "fork/internal/writer.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ae::fork_internal {

void Writer::push(std::string bytes, std::vector<UniqueFd> fds) {
  if (error_) return;
  queued_bytes_ += bytes.size();
  queue_.push_back(Chunk{std::move(bytes), 0, std::move(fds)});
  if (queue_.size() == 1) flush();
}

void Writer::on_flushed(Function<void(std::error_code)> cb) {
  flushed_cb_ = std::move(cb);
  if (!flush_posted_ && (queue_.empty() || error_)) {
    flush_posted_ = true;
    // The callback never runs inside the call that asked for it.
    loop_->postpone([this] {
      flush_posted_ = false;
      finish_if_flushed();
    });
  }
}

void Writer::finish_if_flushed() {
  if ((queue_.empty() || error_) && flushed_cb_) {
    auto cb = std::move(flushed_cb_);
    flushed_cb_ = nullptr;
    cb(error_);
  }
}

void Writer::flush() {
  while (!queue_.empty() && !error_) {
    Chunk& c = queue_.front();
    iovec iov{c.bytes.data() + c.off, c.bytes.size() - c.off};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    if (!c.fds.empty()) {
      std::size_t n = c.fds.size();
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
      cmsghdr* h = CMSG_FIRSTHDR(&msg);
      h->cmsg_level = SOL_SOCKET;
      h->cmsg_type = SCM_RIGHTS;
      h->cmsg_len = CMSG_LEN(sizeof(int) * n);
      for (std::size_t i = 0; i < n; ++i) {
        int fd = c.fds[i].get();
        std::memcpy(CMSG_DATA(h) + i * sizeof(int), &fd, sizeof(int));
      }
    }
    ssize_t n = is_socket_ ? ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT)
                           : ::write(fd_, iov.iov_base, iov.iov_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!watcher_) {
          watcher_ = loop_->io(fd_, kWrite, [this] { flush(); });
        } else {
          watcher_.start();
        }
        return;
      }
      error_ = std::error_code(errno, std::generic_category());
      break;
    }
    c.fds.clear();  // sent with the first byte: the receiver has its own copies now
    c.off += static_cast<std::size_t>(n);
    queued_bytes_ -= static_cast<std::size_t>(n);
    if (c.off == c.bytes.size()) queue_.pop_front();
  }
  if (watcher_) watcher_.stop();
  finish_if_flushed();
}

}  // namespace ae::fork_internal
