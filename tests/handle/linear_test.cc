// Reading a stream costs time linear in its size: a 100 MB stream read as lines and as chunks,
// and one long line, each timed at two sizes; the time ratio must be near the size ratio (4), far
// from the 16 a quadratic buffer would give. The bound is generous: this proves the complexity,
// not the speed (speed is measured in bench/).
#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "tests/handle/test_util.h"

namespace ae::testing {
namespace {

enum class Mode { kLines, kChunks, kOneLine };

// Streams `total` bytes from a writer thread into a Handle reading them in `mode`; returns the
// seconds from the first byte sent to the last byte delivered.
double read_stream(Mode mode, std::size_t total) {
  auto [a, b] = unix_pair();
  std::size_t delivered = 0;
  std::size_t items = 0;
  bool eof = false;
  bool failed = false;
  Handle h(a, {.on_error =
                   [&](Handle&, bool, std::error_code, std::string_view m) {
                     ADD_FAILURE() << m;
                     failed = true;
                   },
               .on_eof = [&](Handle&) { eof = true; }});
  std::function<void(Handle&)> next = [&](Handle& h) {
    switch (mode) {
      case Mode::kLines:
        h.push_read(line, [&](Handle& h, std::string l, std::string eol) {
          delivered += l.size() + eol.size();
          ++items;
          if (delivered < total) next(h);
        });
        break;
      case Mode::kChunks:
        h.push_read(chunk(128), [&](Handle& h, std::string d) {
          delivered += d.size();
          ++items;
          if (delivered < total) next(h);
        });
        break;
      case Mode::kOneLine:
        h.push_read(line, [&](Handle&, std::string l, std::string eol) {
          delivered += l.size() + eol.size();
          ++items;
        });
        break;
    }
  };
  next(h);
  // Lines of 100 bytes, or one line that ends at the very end.
  std::string block;
  if (mode == Mode::kOneLine) {
    block.assign(1 << 20, 'z');
  } else {
    // 100-byte lines; the stream sizes are multiples of 100, so it ends with a whole line.
    while (block.size() < (1 << 20)) {
      block += std::string(99, static_cast<char>('a' + block.size() % 26)) + "\n";
    }
  }
  auto start = std::chrono::steady_clock::now();
  std::thread writer([fd = b, &block, total, mode] {
    std::size_t sent = 0;
    while (sent < total) {
      std::size_t n = std::min(block.size(), total - sent);
      if (mode == Mode::kOneLine && sent + n == total) {
        std::string last = block.substr(0, n - 1) + "\n";
        if (::send(fd, last.data(), last.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(n)) break;
      } else {
        ssize_t w = ::send(fd, block.data(), n, MSG_NOSIGNAL);
        if (w <= 0) break;
        n = static_cast<std::size_t>(w);
      }
      sent += n;
    }
    ::close(fd);
  });
  bool done = run_until([&] { return delivered >= total || failed || eof; }, 300s) && !failed;
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  writer.join();
  EXPECT_TRUE(done) << delivered << " of " << total << " bytes";
  EXPECT_FALSE(eof);
  EXPECT_GT(items, 0u);
  return seconds;
}

// The best of five runs, to keep a busy machine's noise (and warm caches) out of the ratio: a
// run is only ever slowed down by other processes, never sped up.
double best_of_five(Mode mode, std::size_t total) {
  double best = read_stream(mode, total);
  for (int i = 1; i < 5; ++i) best = std::min(best, read_stream(mode, total));
  return best;
}

class LinearTest : public LoopTest {
 protected:
  static void SetUpTestSuite() {
    // glibc serves blocks above a dynamic threshold (at most 32 MB) with fresh mmaps, whose page
    // faults would make the larger runs pay a cost the smaller ones, reusing warm heap memory,
    // do not. Serve everything from the heap and keep it, so both sizes run on warm memory.
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  void expect_linear(Mode mode, std::size_t small, const char* what) {
    double t_small = best_of_five(mode, small);
    double t_large = best_of_five(mode, 4 * small);
    double ratio = t_large / t_small;
    std::printf("%s: %zu MB in %.3f s, %zu MB in %.3f s, ratio %.2f (linear 4, quadratic 16)\n",
                what, small >> 20, t_small, (4 * small) >> 20, t_large, ratio);
    // Only the upper bound proves anything (quadratic work would give about 16); a busy machine
    // can slow the smaller runs enough to push the ratio below 4, so there is no lower bound.
    EXPECT_LT(ratio, 8.0) << what << " grows faster than linearly";
  }
};

TEST_P(LinearTest, ReadingLinesTakesLinearTime) { expect_linear(Mode::kLines, 25u << 20, "lines"); }

TEST_P(LinearTest, ReadingChunksTakesLinearTime) {
  expect_linear(Mode::kChunks, 25u << 20, "chunks");
}

TEST_P(LinearTest, FindingTheEndOfOneLongLineTakesLinearTime) {
  // Finding the end is fast (tens of milliseconds), so larger sizes keep the timings well above
  // scheduling noise.
  expect_linear(Mode::kOneLine, 48u << 20, "one long line");
}

INSTANTIATE_TEST_SUITE_P(Backends, LinearTest, ::testing::ValuesIn(main_backends()), backend_name);

}  // namespace
}  // namespace ae::testing
