#include "handle/internal/linger.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <list>
#include <memory>

namespace ae::handle_internal {
namespace {

struct Lingerer {
  int fd = -1;
  bool is_socket = false;
  Buffer unwritten;
  Io writable;
  Timer deadline;
  ~Lingerer() {
    writable.reset();
    if (fd >= 0) ::close(fd);
  }
};

// Owned per thread, so that lingering fds are closed at thread exit rather than leaked.
thread_local std::list<std::unique_ptr<Lingerer>> t_lingering;

void finish(std::list<std::unique_ptr<Lingerer>>::iterator it) { t_lingering.erase(it); }

}  // namespace

void linger(Loop& loop, int fd, Buffer unwritten, double seconds, bool is_socket) {
  t_lingering.push_front(std::make_unique<Lingerer>());
  auto it = t_lingering.begin();
  Lingerer& l = **it;
  l.fd = fd;
  l.is_socket = is_socket;
  l.unwritten = std::move(unwritten);
  l.writable = loop.io(fd, kWrite, [it] {
    Lingerer& l = **it;
    ssize_t n = l.is_socket ? ::send(l.fd, l.unwritten.data(), l.unwritten.size(), MSG_NOSIGNAL)
                            : ::write(l.fd, l.unwritten.data(), l.unwritten.size());
    if (n > 0) {
      l.unwritten.consume(static_cast<std::size_t>(n));
      if (l.unwritten.empty()) finish(it);
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      finish(it);
    }
  });
  l.deadline = loop.timer(Seconds(seconds), [it] { finish(it); });
}

}  // namespace ae::handle_internal
