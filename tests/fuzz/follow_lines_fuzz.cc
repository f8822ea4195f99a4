// The line splitter behind ae::fs::follow (io/internal/line_splitter.h), fed a followed file's
// bytes in pieces: every line and piece stays within max_line, the buffer stays bounded, and the
// lines put back together are the input without its terminators (nothing lost or invented).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "io/internal/line_splitter.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  std::size_t max_line = 1 + in.pick(32);
  std::size_t step = 1 + in.pick(16);
  std::string_view input = in.take_rest();
  ae::io_internal::LineSplitter splitter(max_line);
  std::string seen;
  for (std::size_t at = 0; at < input.size(); at += step) {
    splitter.append(input.substr(at, step));
    while (auto line = splitter.next()) {
      AE_FUZZ_CHECK(line->size() <= max_line);
      seen.append(*line);
    }
    AE_FUZZ_CHECK(splitter.buffered() <= max_line + 1);
  }
  seen.append(splitter.take_rest());
  // The input without its "\n" terminators and the "\r" directly before each of them.
  std::string expected;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (input[i] != '\n') {
      expected.push_back(input[i]);
    } else if (i > 0 && input[i - 1] == '\r') {
      expected.pop_back();
    }
  }
  AE_FUZZ_CHECK(seen == expected);
  return 0;
}
