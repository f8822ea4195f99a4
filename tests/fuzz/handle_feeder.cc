#include "tests/fuzz/handle_feeder.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "core/loop.h"

namespace ae::fuzz {
namespace {

int unread_bytes(int fd) {
  int n = 0;
  return ::ioctl(fd, FIONREAD, &n) == 0 ? n : 0;
}

// Runs loop iterations until the Handle has read what is waiting for it and its deferred work
// ran (a bounded number of them: a Handle that stopped reading leaves bytes waiting).
void settle(Loop& loop, int fd) {
  for (int i = 0; i < 64 && unread_bytes(fd) > 0; ++i) loop.run_once(false);
  for (int i = 0; i < 2; ++i) loop.run_once(false);
}

}  // namespace

FeedResult feed_handle(std::string_view stream, std::size_t piece,
                       const std::function<void(Handle&)>& setup) {
  Loop& loop = Loop::current();
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
  ::fcntl(sv[1], F_SETFL, O_NONBLOCK);  // a peer whose reader stalled must not block us
  FeedResult r;
  std::optional<Handle> h;
  h.emplace(sv[0], Handle::Options{
                       .on_error =
                           [&r](Handle& h, bool fatal, std::error_code, std::string_view) {
                             ++r.errors;
                             if (fatal) {
                               r.fatal = true;
                               r.rbuf_at_end = std::string(h.rbuf().view());
                             }
                           },
                       .on_eof =
                           [&r](Handle& h) {
                             r.eof = true;
                             r.rbuf_at_end = std::string(h.rbuf().view());
                           },
                       .rbuf_max = std::size_t{1} << 20,
                   });
  setup(*h);
  if (piece == 0) piece = stream.size();
  piece = std::max({piece, stream.size() / 16, std::size_t{1}});
  std::size_t off = 0;
  for (; off < stream.size() && !h->destroyed(); off += piece) {
    std::string_view part = stream.substr(off, piece);
    if (::send(sv[1], part.data(), part.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(part.size())) {
      break;  // the socket buffer is full: the Handle stopped reading
    }
    settle(loop, sv[0]);
  }
  r.sent_all = off >= stream.size();
  ::shutdown(sv[1], SHUT_WR);
  for (int i = 0; i < 64 && !h->destroyed() && !r.eof && !r.fatal; ++i) loop.run_once(false);
  h.reset();
  ::close(sv[1]);
  return r;
}

void skip_garbage_on_errors(Handle& h) {
  h.on_error([](Handle& h, bool fatal, std::error_code, std::string_view) {
    if (!fatal) h.rbuf().consume(1);
  });
}

}  // namespace ae::fuzz
