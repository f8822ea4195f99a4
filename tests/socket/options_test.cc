#include "socket/options.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace {

class TcpOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(fd_, 0); }
  void TearDown() override { ::close(fd_); }
  int fd_ = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
};

TEST_F(TcpOptionsTest, TcpNodelayTurnsNaglesAlgorithmOffAndOn) {
  int on = -1;
  socklen_t len = sizeof on;
  ASSERT_TRUE(ae::tcp_nodelay(fd_, true));
  ASSERT_EQ(::getsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0);
  EXPECT_NE(on, 0);
  ASSERT_TRUE(ae::tcp_nodelay(fd_, false));
  ASSERT_EQ(::getsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0);
  EXPECT_EQ(on, 0);
}

TEST_F(TcpOptionsTest, TcpCongestionSetsAnAlgorithmTheKernelOffers) {
  ASSERT_TRUE(ae::tcp_congestion(fd_, "reno"));  // built into every Linux kernel
  char name[16] = "";
  socklen_t len = sizeof name;
  ASSERT_EQ(::getsockopt(fd_, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
  EXPECT_STREQ(name, "reno");
}

TEST_F(TcpOptionsTest, ReportsFailureWithErrno) {
  errno = 0;
  EXPECT_FALSE(ae::tcp_congestion(fd_, "no-such-algorithm"));
  EXPECT_EQ(errno, ENOENT);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  EXPECT_FALSE(ae::tcp_nodelay(pipe_fds[0], true));
  EXPECT_EQ(errno, ENOTSOCK);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

}  // namespace
