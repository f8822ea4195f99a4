#include "tests/http/raw_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "tests/support/run_until.h"

namespace ae::http_test {
namespace {

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    throw std::runtime_error("RawClient: cannot connect to port " + std::to_string(port));
  }
  return fd;
}

}  // namespace

RawClient::RawClient(std::uint16_t port)
    : handle_(connect_to(port), {
                                    .on_error = [this](Handle&, bool, std::error_code,
                                                       std::string_view) { closed_ = true; },
                                    .on_read =
                                        [this](Handle& h) {
                                          received_ += h.rbuf().view();
                                          h.rbuf().clear();
                                        },
                                    .on_eof = [this](Handle&) { closed_ = true; },
                                }) {}

bool RawClient::wait_for(std::string_view text) {
  return testing::run_until([&] { return received_.find(text) != std::string::npos || closed_; }) &&
         received_.find(text) != std::string::npos;
}

bool RawClient::wait_count(std::string_view text, std::size_t n) {
  return testing::run_until([&] { return count(received_, text) >= n || closed_; }) &&
         count(received_, text) >= n;
}

bool RawClient::wait_closed() {
  return testing::run_until([&] { return closed_; });
}

void RawClient::reset() {
  int fd = handle_.fd();
  if (fd >= 0) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  handle_.linger(0);
  handle_ = Handle();
  closed_ = true;
}

std::size_t count(std::string_view text, std::string_view part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string_view::npos;
       at = text.find(part, at + part.size())) {
    ++n;
  }
  return n;
}

}  // namespace ae::http_test
