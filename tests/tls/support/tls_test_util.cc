#include "tests/tls/support/tls_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/condvar.h"

namespace ae::testing {

bool run_until(const std::function<bool()>& pred, double seconds) {
  Loop& loop = Loop::current();
  bool expired = false;
  Timer limit = loop.timer(seconds, [&] { expired = true; });
  // A short repeating tick so that predicates about the outside world (a child's exit) are
  // looked at again even when no watcher fires.
  Timer tick = loop.timer(0.01, 0.01, [] {});
  while (!pred() && !expired) loop.run_once(true);
  return pred();
}

bool wait_connectable(int port, const std::function<bool()>& alive, double seconds) {
  bool up = false;
  bool dead = false;
  run_until(
      [&] {
        if (!alive()) dead = true;
        if (!dead && !up) up = connects(port);
        return up || dead;
      },
      seconds);
  return up;
}

OpensslServer::OpensslServer(std::vector<std::string> args) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    std::vector<std::string> argv = {"openssl", "s_server", "-accept",
                                     "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<Process>(argv);
    if (wait_connectable(port_, [this] { return !process_->exited(); })) return;
    // Someone else took the port in between (or the server failed): try another one.
    if (!process_->exited()) break;
  }
  throw std::runtime_error("openssl s_server did not start: " + process_->command() + "\n" +
                           process_->err());
}

std::unique_ptr<Process> openssl_client(int port, std::vector<std::string> args) {
  std::vector<std::string> argv = {"openssl", "s_client", "-connect",
                                   "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<Process>(argv);
}

void TlsLoopTest::SetUp() {
  test_loop_ = std::make_unique<TestLoop>(GetParam());
  scope_ = std::make_unique<Loop::Scope>(loop());
}

void TlsLoopTest::TearDown() {
  // Let closes and deferred frees finish, then nothing may be left watching.
  for (int i = 0; i < 20 && loop().active_watchers() != 0; ++i) loop().run_once(false);
  EXPECT_EQ(loop().active_watchers(), 0u) << "a watcher was left behind";
  scope_.reset();
  test_loop_.reset();
}

}  // namespace ae::testing
