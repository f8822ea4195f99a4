#include "socket/options.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace ae {
namespace {

Result<void> setsockopt_error(const std::string& what) {
  const std::error_code ec(errno, std::generic_category());
  return Result<void>(ec, what + ": " + ec.message());
}

}  // namespace

Result<void> tcp_nodelay(int fd, bool enable) {
  int on = enable ? 1 : 0;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0) return {};
  return setsockopt_error("tcp_nodelay");
}

Result<void> tcp_congestion(int fd, std::string_view algorithm) {
  std::string name(algorithm);
  if (::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name.data(),
                   static_cast<socklen_t>(name.size())) == 0) {
    return {};
  }
  return setsockopt_error("tcp_congestion \"" + name + "\"");
}

}  // namespace ae
