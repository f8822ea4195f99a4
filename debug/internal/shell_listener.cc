#include "debug/internal/shell_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>
#include <utility>

#include "core/socket_address.h"

namespace ae::debug_internal {
namespace {

Error failure(std::errc code, std::string message) {
  return Error{std::make_error_code(code), std::move(message)};
}

Error system_failure(const char* call, std::string_view address) {
  int e = errno;
  return Error{std::error_code(e, std::system_category()),
               "ae::debug::shell: " + std::string(call) + " " + std::string(address) + ": " +
                   std::strerror(e)};
}

std::string with_pid(std::string_view address) {
  std::string out;
  std::string pid = std::to_string(::getpid());
  for (std::size_t i = 0; i < address.size(); ++i) {
    if (address.compare(i, 2, "$$") == 0) {
      out += pid;
      ++i;
    } else {
      out += address[i];
    }
  }
  return out;
}

bool is_loopback(const SocketAddress& a) {
  if (a.family() == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(a.get());
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  auto* in6 = reinterpret_cast<const sockaddr_in6*>(a.get());
  if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
  return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
}

// "HOST:PORT", "[V6]:PORT".
Result<SocketAddress> parse_tcp(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return failure(std::errc::invalid_argument, "ae::debug::shell: \"" + std::string(text) +
                                                    "\" is neither unix/PATH nor HOST:PORT");
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  std::uint16_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size()) {
    return failure(std::errc::invalid_argument,
                   "ae::debug::shell: \"" + std::string(port_text) + "\" is not a port number");
  }
  std::optional<SocketAddress> a = SocketAddress::from_numeric(host, port);
  if (!a) {
    return failure(std::errc::invalid_argument,
                   "ae::debug::shell: \"" + std::string(host) +
                       "\" is not a numeric address (the shell resolves no names)");
  }
  return *a;
}

}  // namespace

ShellListener::ShellListener(ShellListener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      address_(std::move(other.address_)),
      unix_path_(std::exchange(other.unix_path_, {})) {}

ShellListener& ShellListener::operator=(ShellListener&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    address_ = std::move(other.address_);
    unix_path_ = std::exchange(other.unix_path_, {});
  }
  return *this;
}

ShellListener::~ShellListener() { close(); }

void ShellListener::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
  unix_path_.clear();
}

Result<ShellListener> ShellListener::listen(std::string_view address_text, bool allow_remote) {
  std::string text = with_pid(address_text);
  SocketAddress address;
  std::string unix_path;
  if (text.starts_with("unix/")) {
    unix_path = text.substr(5);
    if (unix_path.starts_with(":")) unix_path.erase(0, 1);  // format_hostport's "unix/:PATH"
    std::optional<SocketAddress> a = SocketAddress::unix_path(unix_path);
    if (unix_path.empty() || !a) {
      return failure(std::errc::invalid_argument,
                     "ae::debug::shell: \"" + unix_path + "\" is not a usable unix socket path");
    }
    address = *a;
  } else {
    Result<SocketAddress> a = parse_tcp(text);
    if (!a) return a.error();
    address = *a;
    if (!allow_remote && !is_loopback(address)) {
      return failure(std::errc::permission_denied,
                     "ae::debug::shell: " + address.to_string() +
                         " is not a loopback address, and the shell has no authentication "
                         "(ShellOptions::allow_remote)");
    }
  }

  ShellListener l;
  l.fd_ = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l.fd_ < 0) return system_failure("socket", text);
  if (!unix_path.empty()) {
    // Replace a socket left behind by an earlier run; refuse to touch any other kind of file.
    struct stat st;
    if (::lstat(unix_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(unix_path.c_str());
  } else {
    int one = 1;
    ::setsockopt(l.fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (::bind(l.fd_, address.get(), address.size()) != 0) return system_failure("bind", text);
  if (!unix_path.empty()) {
    l.unix_path_ = unix_path;
    // Before listen(): until then nobody can connect, whatever the umask made the mode.
    if (::chmod(unix_path.c_str(), 0600) != 0) return system_failure("chmod", text);
  }
  if (::listen(l.fd_, SOMAXCONN) != 0) return system_failure("listen", text);
  if (unix_path.empty()) {
    SocketAddress bound;
    socklen_t len = bound.capacity();
    if (::getsockname(l.fd_, bound.get(), &len) != 0) return system_failure("getsockname", text);
    bound.set_size(len);
    l.address_ = bound.to_string();
  } else {
    l.address_ = "unix/:" + unix_path;
  }
  return l;
}

}  // namespace ae::debug_internal
