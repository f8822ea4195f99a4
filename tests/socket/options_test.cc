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

TEST_F(TcpOptionsTest, ReportsFailureAsAResultWithAMessage) {
  ae::Result<void> unknown = ae::tcp_congestion(fd_, "no-such-algorithm");
  EXPECT_FALSE(unknown);
  EXPECT_EQ(unknown.code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(unknown.message(), "tcp_congestion \"no-such-algorithm\": " + unknown.code().message());
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ae::Result<void> not_socket = ae::tcp_nodelay(pipe_fds[0], true);
  EXPECT_FALSE(not_socket);
  EXPECT_EQ(not_socket.code(), std::errc::not_a_socket);
  EXPECT_EQ(not_socket.message(), "tcp_nodelay: " + not_socket.code().message());
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

}  // namespace
