#include "handle/internal/linger.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <list>
#include <string>
#include <utility>

#include "core/log_hook.h"
#include "handle/handle.h"

namespace ae {
namespace {

std::atomic<std::size_t> g_max_handles{LingerLimits{}.max_handles};
std::atomic<std::size_t> g_max_bytes{LingerLimits{}.max_bytes};

}  // namespace

void set_linger_limits(LingerLimits limits) noexcept {
  g_max_handles.store(limits.max_handles, std::memory_order_relaxed);
  g_max_bytes.store(limits.max_bytes, std::memory_order_relaxed);
}

LingerLimits linger_limits() noexcept {
  return {g_max_handles.load(std::memory_order_relaxed),
          g_max_bytes.load(std::memory_order_relaxed)};
}

namespace handle_internal {
namespace {

struct Lingerer {
  UniqueFd fd;  // declared first, so closed after the watchers on it are gone
  bool is_socket = false;
  Buffer unwritten;
  Io writable;
  Timer deadline;
  Lingerer() = default;
  Lingerer(const Lingerer&) = delete;
  Lingerer& operator=(const Lingerer&) = delete;
};

// The lingering writes of one loop, oldest first. Destroyed with the loop, which closes every
// fd still lingering.
class LingerService {
 public:
  explicit LingerService(Loop& loop) : loop_(loop) {}

  void add(UniqueFd fd, Buffer unwritten, double seconds, bool is_socket) {
    Lingerer& l = lingering_.emplace_back();
    auto it = std::prev(lingering_.end());
    l.fd = std::move(fd);
    l.is_socket = is_socket;
    l.unwritten = std::move(unwritten);
    bytes_ += l.unwritten.size();
    l.writable = loop_.io(l.fd.get(), kWrite, [this, it] { write_some(it); });
    l.deadline = loop_.timer(Seconds(seconds), [this, it] { finish(it); });
    enforce_limits();
  }

 private:
  using List = std::list<Lingerer>;

  void write_some(List::iterator it) {
    Lingerer& l = *it;
    ssize_t n = l.is_socket
                    ? ::send(l.fd.get(), l.unwritten.data(), l.unwritten.size(), MSG_NOSIGNAL)
                    : ::write(l.fd.get(), l.unwritten.data(), l.unwritten.size());
    if (n > 0) {
      l.unwritten.consume(static_cast<std::size_t>(n));
      bytes_ -= static_cast<std::size_t>(n);
      if (l.unwritten.empty()) finish(it);
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      finish(it);
    }
  }

  void finish(List::iterator it) {
    bytes_ -= it->unwritten.size();
    lingering_.erase(it);  // closes the fd
  }

  void enforce_limits() {
    const LingerLimits limits = linger_limits();
    while (!lingering_.empty() &&
           (lingering_.size() > limits.max_handles || bytes_ > limits.max_bytes)) {
      Lingerer& oldest = lingering_.front();
      core_log(LogLevel::kWarn, "ae::handle",
               "ae::Handle: dropping the oldest lingering connection (fd " +
                   std::to_string(oldest.fd.get()) + ", " +
                   std::to_string(oldest.unwritten.size()) +
                   " bytes unwritten): " + std::to_string(lingering_.size()) + " connections and " +
                   std::to_string(bytes_) + " bytes linger, the limits are " +
                   std::to_string(limits.max_handles) + " and " + std::to_string(limits.max_bytes) +
                   " (ae::set_linger_limits)");
      finish(lingering_.begin());
    }
  }

  Loop& loop_;
  List lingering_;
  std::size_t bytes_ = 0;
};

}  // namespace

void linger(Loop& loop, UniqueFd fd, Buffer unwritten, double seconds, bool is_socket) {
  loop.service<LingerService>().add(std::move(fd), std::move(unwritten), seconds, is_socket);
}

}  // namespace handle_internal
}  // namespace ae
