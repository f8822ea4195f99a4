// Reading a stream costs work linear in its size: a stream read as lines, as chunks, and as one
// long line that arrives in many small pieces. The work is counted, not timed: the bytes the read
// buffer copies within itself (Buffer::bytes_moved_for_test) and the bytes the incremental
// readers scan (ScanMark::bytes_scanned_for_test). A buffer that slides its contents on every
// consume, or a reader that rescans from the start on every read, counts many times the stream's
// size, and more so the longer the stream; linear work stays within a small multiple of it at
// every size. (How fast reading is, is measured in bench/.)
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "core/buffer.h"
#include "handle/handle.h"
#include "tests/handle/test_util.h"

namespace ae::testing {
namespace {

enum class Mode { kLines, kChunks, kOneLine };

struct Work {
  std::uint64_t moved = 0;
  std::uint64_t scanned = 0;
};

// Streams `total` bytes through a socketpair into a Handle reading them in `mode`, writing from
// the loop whenever the socket is writable; returns the work the reading side did.
Work read_stream(Mode mode, std::size_t total) {
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
  // A stream of 100-byte lines (the sizes are multiples of 100, so it ends with a whole line),
  // or one line that ends at the very end, sent in pieces of 4 KiB so that it arrives in many
  // reads. `pattern` repeats through the stream.
  std::string pattern;
  std::size_t piece = 64 << 10;
  if (mode == Mode::kOneLine) {
    pattern.assign(4 << 10, 'z');
    piece = pattern.size();
  } else {
    for (int i = 0; i < 1000; ++i)
      pattern += std::string(99, static_cast<char>('a' + i % 26)) + "\n";
  }
  std::size_t sent = 0;
  Io writer = io(b, kWrite, [&] {
    std::size_t at = sent % pattern.size();
    std::size_t n = std::min({piece, total - sent, pattern.size() - at});
    std::string data = pattern.substr(at, n);
    if (mode == Mode::kOneLine && sent + n == total) data.back() = '\n';
    ssize_t w = ::send(b, data.data(), n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) sent += static_cast<std::size_t>(w);
    if (w <= 0 && errno != EAGAIN) failed = true;
    if (sent == total || failed) writer.reset();
  });
  Work before{Buffer::bytes_moved_for_test(), ScanMark::bytes_scanned_for_test()};
  bool done = run_until([&] { return delivered >= total || failed || eof; }, 120s) && !failed;
  Work work{Buffer::bytes_moved_for_test() - before.moved,
            ScanMark::bytes_scanned_for_test() - before.scanned};
  writer.reset();
  ::close(b);
  EXPECT_TRUE(done) << delivered << " of " << total << " bytes, " << sent << " sent";
  EXPECT_EQ(delivered, total);
  EXPECT_FALSE(eof);
  EXPECT_GT(items, 0u);
  return work;
}

class LinearTest : public LoopTest {
 protected:
  // Linear work is at most a small multiple of the stream at every size (here 3x: a buffer
  // that doubles copies each byte about once when growing, and slides at most the bytes it has
  // consumed; a resumed scan looks at each byte about once). Quadratic work would be hundreds
  // of times the stream at these sizes, and grow with it.
  void expect_linear(Mode mode, const char* what) {
    for (std::size_t total : {std::size_t{4'000'000}, std::size_t{16'000'000}}) {
      Work w = read_stream(mode, total);
      std::printf("%s: %zu bytes read, %.2f MB moved, %.2f MB scanned\n", what, total,
                  static_cast<double>(w.moved) / (1 << 20),
                  static_cast<double>(w.scanned) / (1 << 20));
      EXPECT_LE(w.moved, 3 * total) << what << ", " << total << " bytes: bytes moved";
      EXPECT_LE(w.scanned, 3 * total) << what << ", " << total << " bytes: bytes scanned";
    }
  }
};

TEST_P(LinearTest, ReadingLinesTakesLinearWork) { expect_linear(Mode::kLines, "lines"); }

TEST_P(LinearTest, ReadingChunksTakesLinearWork) { expect_linear(Mode::kChunks, "chunks"); }

TEST_P(LinearTest, FindingTheEndOfOneLongLineTakesLinearWork) {
  expect_linear(Mode::kOneLine, "one long line");
}

INSTANTIATE_TEST_SUITE_P(Backends, LinearTest, ::testing::ValuesIn(main_backends()), backend_name);

}  // namespace
}  // namespace ae::testing
