#include "core/buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace ae {
namespace {

TEST(BufferTest, AppendConsumeAndView) {
  Buffer b;
  EXPECT_TRUE(b.empty());
  b.append("hello\nworld");
  EXPECT_EQ(b.view(), "hello\nworld");
  b.consume(6);
  EXPECT_EQ(b.view(), "world");
  EXPECT_EQ(b.take(3), "wor");
  EXPECT_EQ(b.view(), "ld");
  b.consume(100);
  EXPECT_TRUE(b.empty());
}

TEST(BufferTest, PrependGivesBytesBack) {
  Buffer b;
  b.append("abcdef");
  b.consume(3);
  b.prepend("XY");  // fits in the consumed space
  EXPECT_EQ(b.view(), "XYdef");
  b.prepend(std::string(100, 'p'));  // does not fit
  EXPECT_EQ(b.view(), std::string(100, 'p') + "XYdef");
}

TEST(BufferTest, PrepareAndCommitWriteInPlace) {
  Buffer b;
  b.append("ab");
  auto space = b.prepare(10);
  ASSERT_GE(space.size(), 10u);
  space[0] = 'c';
  space[1] = 'd';
  b.commit(2);
  EXPECT_EQ(b.view(), "abcd");
}

TEST(BufferTest, MoveTransfersTheBytes) {
  Buffer a;
  a.append("data");
  Buffer b = std::move(a);
  EXPECT_EQ(b.view(), "data");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
}

TEST(BufferTest, ShrinkToFitKeepsTheLiveBytes) {
  Buffer b;
  b.append(std::string(1000, 'x'));
  b.consume(990);
  b.shrink_to_fit();
  EXPECT_EQ(b.view(), std::string(10, 'x'));
  EXPECT_EQ(b.capacity(), 10u);
}

TEST(BufferTest, SlidingToTheFrontCountsTheBytesMoved) {
  Buffer b;
  b.append(std::string(100, 'x'));  // exactly fills new storage of 100 bytes
  b.consume(60);
  std::uint64_t before = Buffer::bytes_moved_for_test();
  b.append(std::string(50, 'y'));  // slides the 40 live bytes to the front to make room
  EXPECT_EQ(Buffer::bytes_moved_for_test() - before, 40u);
  EXPECT_EQ(b.view(), std::string(40, 'x') + std::string(50, 'y'));
}

// Streams `total` bytes through a buffer (append a block, consume it line by line, a partial
// line left behind each time); returns the bytes the buffer moved within itself meanwhile.
std::uint64_t stream_moves(std::size_t total) {
  const std::string block = std::string(4095, 'x') + "\n";
  std::uint64_t before = Buffer::bytes_moved_for_test();
  Buffer b;
  std::size_t lines = 0;
  for (std::size_t fed = 0; fed < total; fed += block.size()) {
    b.append(block);
    b.append(block.substr(0, 100));
    std::size_t nl;
    while ((nl = b.view().find('\n')) != std::string_view::npos) {
      b.consume(nl + 1);
      ++lines;
    }
  }
  EXPECT_GT(lines, 0u);
  return Buffer::bytes_moved_for_test() - before;
}

// Streaming costs work linear in the bytes, counted rather than timed: the buffer moves each
// byte a bounded number of times however long the stream is (a buffer that slid its contents
// on every consume would move about 2 KiB per line here, 500 times the stream).
TEST(BufferTest, StreamingMovesEachByteAtMostTwice) {
  for (std::size_t total : {std::size_t{1} << 20, std::size_t{16} << 20}) {
    std::uint64_t moved = stream_moves(total);
    EXPECT_LE(moved, 2 * total) << (total >> 20) << " MB streamed";
  }
}

}  // namespace
}  // namespace ae
