// ae::http::Server under the heavy faults: 10 000 idle connections (memory and descriptors stay
// bounded, and all of it is given back once they close) and bodies of a gigabyte against a
// 1 MiB limit (refused with 413 long before the gigabyte is read).
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <dirent.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/core.h"
#include "http/server.h"
#include "tests/support/run_until.h"

namespace ae::http_test {
namespace {

using testing::run_until;
using namespace std::chrono_literals;

std::size_t open_fds() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n;
}

std::size_t rss_bytes() {
  long pages = 0;
  long resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

int connect_nonblocking(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 &&
      errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

http::Server start(http::ServerOptions options = {}) {
  http::Router r;
  r.get("/", [](http::ServerRequest&, http::ServerResponse& res) { res.send("ok\n"); });
  r.post("/upload", [](http::ServerRequest& req, http::ServerResponse& res) {
    res.send(std::to_string(req.body().size()) + "\n");
  });
  Result<http::Server> s = http::Server::listen("127.0.0.1", "0", std::move(r), std::move(options));
  if (!s) throw std::runtime_error(s.message());
  return std::move(*s);
}

TEST(HttpServerLargeTest, TenThousandIdleConnectionsStayBoundedAndLeaveNothingBehind) {
  constexpr std::size_t kConnections = 10000;
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < kConnections + 200) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, kConnections + 200);
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur < kConnections + 200) {
    GTEST_SKIP() << "RLIMIT_NOFILE allows only " << lim.rlim_cur << " descriptors";
  }
  http::Server server = start();
  std::size_t fds_before = open_fds();
  std::size_t rss_before = rss_bytes();

  // The clients live in a child process, so that each side has its own descriptor limit. The
  // child connects kConnections times (the server accepts meanwhile), then waits until told
  // to close them all by exiting.
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  std::uint16_t port = server.port();
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(go[1]);
    std::vector<int> fds;
    for (std::size_t i = 0; i < kConnections; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port);
      sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) ::_exit(1);
      fds.push_back(fd);
    }
    char c;
    while (::read(go[0], &c, 1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }
  ::close(go[0]);
  bool child_done = false;
  int child_status = 0;
  Child reap = ae::child(child, [&](pid_t, int status) {
    child_done = true;
    child_status = status;
  });
  // What is open now besides the connections: the server, the loop (with its child watching)
  // and our end of the pipe, which is closed below.
  std::size_t fds_baseline = open_fds() - 1;
  ASSERT_TRUE(run_until([&] { return server.connections() == kConnections || child_done; }, 120s))
      << server.connections();
  ASSERT_EQ(server.connections(), kConnections) << "child status " << child_status;
  std::size_t rss_growth = rss_bytes() - std::min(rss_bytes(), rss_before);
  EXPECT_LE(open_fds(), fds_before + kConnections + 10);
  // Each idle connection costs the server its Handle, its state and a small read buffer.
  EXPECT_LT(rss_growth / kConnections, 16u * 1024) << "RSS grew by " << rss_growth << " bytes";

  // A new connection still gets answers.
  int probe = connect_nonblocking(server.port());
  ASSERT_GE(probe, 0);
  std::string reply;
  bool asked = false;
  ASSERT_TRUE(run_until(
      [&] {
        std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        if (!asked && ::write(probe, get.data(), get.size()) == static_cast<ssize_t>(get.size())) {
          asked = true;
        }
        char buf[512];
        ssize_t n = ::read(probe, buf, sizeof buf);
        if (n > 0) reply.append(buf, static_cast<std::size_t>(n));
        return reply.find("ok\n") != std::string::npos;
      },
      30s))
      << reply;
  ::close(probe);

  ::close(go[1]);  // the child exits, closing every connection
  EXPECT_TRUE(run_until([&] { return child_done && server.connections() == 0; }, 60s))
      << server.connections();
  EXPECT_TRUE(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0);
  EXPECT_LE(open_fds(), fds_baseline);
}

// Writes `head`, then body bytes for as long as the server reads them; returns what came back
// once the server closed, and in `sent` how many body bytes it took.
std::string push_body(std::uint16_t port, const std::string& head, bool chunked,
                      std::uint64_t limit, std::uint64_t& sent) {
  int fd = connect_nonblocking(port);
  EXPECT_GE(fd, 0);
  std::string out = head;
  std::string chunk(64 * 1024, 'b');
  std::string piece = chunked ? "10000\r\n" + chunk + "\r\n" : chunk;
  std::string reply;
  bool closed = false;
  sent = 0;
  std::size_t offset = 0;
  Io writer = io(fd, kWrite, [&] {
    while (!closed && sent < limit) {
      if (offset == out.size()) {
        out = piece;
        offset = 0;
      }
      ssize_t n = ::send(fd, out.data() + offset, out.size() - offset, MSG_NOSIGNAL);
      if (n <= 0) {
        if (errno != EAGAIN) closed = true;
        return;
      }
      offset += static_cast<std::size_t>(n);
      if (offset == out.size() && out.data() != head.data()) sent += chunk.size();
    }
  });
  Io reader = io(fd, kRead, [&] {
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      reply.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EAGAIN) {
      closed = true;
    }
  });
  EXPECT_TRUE(run_until([&] { return closed; }, 60s));
  writer.reset();
  reader.reset();
  ::close(fd);
  return reply;
}

TEST(HttpServerLargeTest, AGigabyteBodyAgainstAOneMegabyteLimitIsRefusedEarly) {
  http::Server server = start({.max_body_size = 1 << 20});
  constexpr std::uint64_t kGigabyte = 1ull << 30;
  std::uint64_t sent = 0;
  std::string reply =
      push_body(server.port(),
                "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kGigabyte) +
                    "\r\n\r\n",
                false, kGigabyte, sent);
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 413 ")) << reply;
  EXPECT_LT(sent, kGigabyte / 4) << "the server read on";

  std::string chunked_reply = push_body(
      server.port(), "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", true,
      kGigabyte, sent);
  EXPECT_TRUE(chunked_reply.starts_with("HTTP/1.1 413 ")) << chunked_reply;
  EXPECT_LT(sent, kGigabyte / 4) << "the server read on";
  EXPECT_TRUE(run_until([&] { return server.connections() == 0; }, 30s));
}

}  // namespace
}  // namespace ae::http_test
