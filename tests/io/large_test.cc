// A 1 GiB file written and loaded through //io, with the process's peak memory checked (one copy
// of the data, never two) and the loop's lag measured while the pool works (reported, not
// asserted: the machine is shared).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/core.h"
#include "io/aio.h"
#include "tests/io/io_test_util.h"
#include "tests/support/env.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::fs {
namespace {

using ae::testing::fs::await;

constexpr std::size_t kSize = std::size_t{1} << 30;
// Writing a gibibyte can take minutes on a loaded machine whose disk is slow.
constexpr Seconds kLargePatience{600};

// Peak resident memory (VmHWM) in bytes since the last reset_peak_rss().
std::size_t peak_rss() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      std::size_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

std::size_t current_rss() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

constexpr std::size_t kBlock = std::size_t{1} << 20;

// Block `index` of the test file: a fixed pattern led by the block's number, so that a block
// read from the wrong place does not match.
std::string block(std::size_t index) {
  std::string b(kBlock, '\0');
  for (std::size_t i = 0; i < kBlock; ++i) b[i] = static_cast<char>((i * 31) % 251);
  std::memcpy(b.data(), &index, sizeof index);
  return b;
}

// Measures how late a 10 ms repeating timer fires while it lives.
class LagMeter {
 public:
  LagMeter()
      : last_(std::chrono::steady_clock::now()),
        timer_(ae::timer(0.01, 0.01, [this] { tick(); })) {}
  double max_ms() const { return max_ms_; }
  int ticks() const { return ticks_; }

 private:
  void tick() {
    auto now = std::chrono::steady_clock::now();
    double late = std::chrono::duration<double, std::milli>(now - last_).count() - 10.0;
    max_ms_ = std::max(max_ms_, late);
    last_ = now;
    ++ticks_;
  }
  std::chrono::steady_clock::time_point last_;
  double max_ms_ = 0;
  int ticks_ = 0;
  Timer timer_;
};

TEST(LargeFileTest, WritesAndLoadsAGibibyteHoldingOneCopyOfIt) {
  ae::testing::ScopedEnv model("AE_IO_MODEL", "pool");
  ae::testing::TestLoop loop;
  std::string path = ae::testing::fs::test_dir() + "/big";

  std::size_t before = current_rss();
  ASSERT_TRUE(reset_peak_rss()) << "/proc/self/clear_refs is needed to measure the peak";
  {
    std::string data(kSize, '\0');
    std::string b = block(0);
    for (std::size_t at = 0; at < kSize; at += kBlock) {
      std::size_t index = at / kBlock;
      std::memcpy(b.data(), &index, sizeof index);
      std::memcpy(data.data() + at, b.data(), kBlock);
    }
    auto file = await<Result<File>>(
        [&](auto cb) { return aio_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600, std::move(cb)); });
    ASSERT_TRUE(file) << file.message();
    LagMeter lag;
    auto written = await<Result<std::size_t>>(
        [&](auto cb) { return aio_write(*file, std::move(data), std::move(cb)); }, kLargePatience);
    ASSERT_TRUE(written) << written.message();
    EXPECT_EQ(*written, kSize);
    auto closed = await<std::error_code>(
        [&](auto cb) { return aio_close(std::move(*file), std::move(cb)); }, kLargePatience);
    EXPECT_FALSE(closed) << closed.message();
    std::printf("write 1 GiB: loop lag max %.1f ms over %d ticks of a 10 ms timer\n", lag.max_ms(),
                lag.ticks());
    ::testing::Test::RecordProperty("write_max_lag_ms", std::to_string(lag.max_ms()));
  }
  std::size_t write_peak = peak_rss();
  std::printf("write 1 GiB: peak RSS %zu MiB above the %zu MiB before\n",
              (write_peak - before) >> 20, before >> 20);
  EXPECT_LT(write_peak, before + kSize + kSize / 2)
      << "writing must not copy the data: peak " << write_peak << " from " << before;

  std::size_t before_load = current_rss();
  ASSERT_TRUE(reset_peak_rss());
  {
    LagMeter lag;
    auto data = await<Result<std::string>>([&](auto cb) { return aio_load(path, std::move(cb)); },
                                           kLargePatience);
    std::printf("load 1 GiB: loop lag max %.1f ms over %d ticks of a 10 ms timer\n", lag.max_ms(),
                lag.ticks());
    ::testing::Test::RecordProperty("load_max_lag_ms", std::to_string(lag.max_ms()));
    ASSERT_TRUE(data) << data.message();
    ASSERT_EQ(data->size(), kSize);
    std::size_t wrong = 0;
    std::string b = block(0);
    for (std::size_t at = 0; at < kSize; at += kBlock) {
      std::size_t index = at / kBlock;
      std::memcpy(b.data(), &index, sizeof index);
      wrong += std::memcmp(data->data() + at, b.data(), kBlock) != 0;
    }
    EXPECT_EQ(wrong, 0u) << "blocks of 1 MiB that differ";
  }
  std::size_t load_peak = peak_rss();
  std::printf("load 1 GiB: peak RSS %zu MiB above the %zu MiB before\n",
              (load_peak - before_load) >> 20, before_load >> 20);
  EXPECT_LT(load_peak, before_load + kSize + kSize / 2)
      << "loading must hold one copy: peak " << load_peak << " from " << before_load;
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace ae::fs
