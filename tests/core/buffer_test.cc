#include "core/buffer.h"

#include <gtest/gtest.h>

#include <chrono>
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

// Streaming through a buffer (append a block, consume it line by line) must cost time linear in
// the bytes: 4x the data may take about 4x the time, not 16x.
double stream_seconds(std::size_t total) {
  const std::string block = std::string(4095, 'x') + "\n";
  auto start = std::chrono::steady_clock::now();
  Buffer b;
  std::size_t lines = 0;
  for (std::size_t fed = 0; fed < total; fed += block.size()) {
    b.append(block);
    b.append(block.substr(0, 100));  // leaves a partial line behind each time
    std::size_t nl;
    while ((nl = b.view().find('\n')) != std::string_view::npos) {
      b.consume(nl + 1);
      ++lines;
    }
  }
  EXPECT_GT(lines, 0u);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(BufferTest, StreamingCostsLinearTime) {
  stream_seconds(8 << 20);  // warm up
  double small = stream_seconds(16 << 20);
  double large = stream_seconds(64 << 20);
  EXPECT_LT(large / small, 8.0) << "small " << small << " s, large " << large << " s";
}

}  // namespace
}  // namespace ae
