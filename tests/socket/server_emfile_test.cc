// A tcp_server that runs out of file descriptors keeps serving: it reports EMFILE through the log
// hook, pauses accepting (rather than spinning on a listener that stays readable), and accepts
// the waiting client once descriptors are free again.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <system_error>
#include <vector>

#include "core/condvar.h"
#include "core/log_hook.h"
#include "socket/server.h"
#include "tests/socket/support/env.h"
#include "tests/socket/support/sockets.h"
#include "tests/socket/support/test_loop.h"

namespace {

using namespace std::chrono_literals;

// Uses up every descriptor the process may open (with the soft limit lowered, so that this takes
// few of them), and gives them back when destroyed.
class FdExhaustion {
 public:
  FdExhaustion() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = 256;
    ::setrlimit(RLIMIT_NOFILE, &lowered);
    for (;;) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        error_ = errno;
        break;
      }
      fds_.push_back(fd);
    }
  }
  ~FdExhaustion() { release(); }

  void release() {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  int error() const { return error_; }

 private:
  rlimit saved_{};
  std::vector<int> fds_;
  int error_ = 0;
};

bool has_line(const ae::socket_test::LogCapture& log, ae::LogLevel level, const std::string& text) {
  for (const auto& line : log.lines()) {
    if (line.level == level && line.message.find(text) != std::string::npos) return true;
  }
  return false;
}

class ServerEmfileTest : public ::testing::TestWithParam<std::string> {
 protected:
  ae::socket_test::TestLoop loop_{GetParam()};
};

TEST_P(ServerEmfileTest, KeepsServingWhenAcceptRunsOutOfDescriptors) {
  ae::socket_test::LogCapture log;
  ae::CondVar<std::string> served;
  auto server = ae::tcp_server("127.0.0.1", "0", [&](int fd, const std::string& h, std::uint16_t) {
    EXPECT_TRUE(ae::socket_test::write_all(fd, "welcome"));
    ::close(fd);
    served.send(h);
  });
  ASSERT_TRUE(server) << server.message();

  // Everything that runs while descriptors are exhausted runs once before, too: UBSan
  // (--config=asan) checks a dynamic type the first time it sees it, with a pipe(2), and would
  // take its failure for a bad object. So: one client served, one timer, one error message.
  int early = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(::connect(early, server->local_address().get(), server->local_address().size()), 0);
  ASSERT_TRUE(served.wait_for(5s));
  EXPECT_EQ(ae::socket_test::read_some(early), "welcome");
  ::close(early);
  served = ae::CondVar<std::string>();
  {
    ae::CondVar<> warm_up;
    (void)warm_up.wait_for(0.001s);
  }
  EXPECT_FALSE(std::generic_category().message(EMFILE).empty());

  // The client's socket exists before the descriptors run out; connecting needs none.
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  // Counts loop iterations (made before the descriptors run out, like the timer above).
  int iterations = 0;
  ae::Prepare count = ae::prepare([&] { ++iterations; });
  FdExhaustion exhaustion;
  ASSERT_EQ(exhaustion.error(), EMFILE);
  const ae::SocketAddress& to = server->local_address();
  ASSERT_TRUE(::connect(client, to.get(), to.size()) == 0 || errno == EINPROGRESS);

  // The server sees the client, fails to accept it, and says so once.
  for (int i = 0; i < 100 && !has_line(log, ae::LogLevel::kError, "Too many open files"); ++i) {
    ae::CondVar<> slice;
    (void)slice.wait_for(0.05s);
  }
  ASSERT_TRUE(has_line(log, ae::LogLevel::kError, "Too many open files"));
  EXPECT_TRUE(has_line(log, ae::LogLevel::kError, "pausing accepts"));

  // While descriptors stay exhausted, the loop does not spin on the readable listener: it goes
  // through a few iterations in half a second (a spinning one would go through many thousands;
  // a busy machine only makes them fewer).
  iterations = 0;
  ae::CondVar<> window;
  EXPECT_FALSE(window.wait_for(0.5s));
  EXPECT_LT(iterations, 100);
  EXPECT_FALSE(served.ready());
  std::size_t error_lines = 0;
  for (const auto& line : log.lines()) error_lines += line.level == ae::LogLevel::kError;
  EXPECT_EQ(error_lines, 1u) << "the overload is reported once, not once per retry";

  // Descriptors come back: the waiting client is served, nothing was dropped.
  exhaustion.release();
  ASSERT_TRUE(served.wait_for(5s));
  EXPECT_EQ(served.recv(), "127.0.0.1");
  EXPECT_EQ(ae::socket_test::read_some(client), "welcome");
  EXPECT_TRUE(has_line(log, ae::LogLevel::kNote, "accepting connections again"));
  ::close(client);
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerEmfileTest,
                         ::testing::ValuesIn(ae::socket_test::kBackends));

}  // namespace
