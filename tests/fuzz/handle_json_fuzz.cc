// The json read type inside a Handle, bytes arriving in pieces: only arrays and objects are
// delivered, every exception the parser throws becomes a non-fatal error, and deep nesting is
// refused. Beside it, the scanner that finds where a text ends gives the same answer whether it
// sees the bytes at once or resumes piece by piece.
#include <cstdint>
#include <functional>
#include <string>

#include "handle/handle.h"
#include "handle/internal/json_scan.h"
#include "handle/json.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/handle_feeder.h"

namespace {

using ae::handle_internal::JsonScanner;

void check_scanner(std::string_view stream, std::size_t piece) {
  JsonScanner whole;
  JsonScanner::Result expected = whole.scan(stream);
  JsonScanner resumed;
  JsonScanner::Result got = JsonScanner::Result::kNeedMore;
  for (std::size_t n = piece; got == JsonScanner::Result::kNeedMore; n += piece) {
    got = resumed.scan(stream.substr(0, n));
    if (n >= stream.size()) break;
  }
  AE_FUZZ_CHECK(got == expected);
  if (got != JsonScanner::Result::kNeedMore) {
    AE_FUZZ_CHECK(resumed.begin() == whole.begin());
    if (got == JsonScanner::Result::kComplete) {
      AE_FUZZ_CHECK(resumed.end() == whole.end());
      AE_FUZZ_CHECK(resumed.max_depth() == whole.max_depth());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  const std::size_t piece = ae::fuzz::piece_size(in.byte());
  const std::string_view stream = in.take_rest();
  check_scanner(stream, piece == 0 ? stream.size() + 1 : piece);
  std::function<void(ae::Handle&)> queue = [&](ae::Handle& h) {
    h.push_read(ae::json, [&](ae::Handle& h, nlohmann::json value) {
      AE_FUZZ_CHECK(value.is_array() || value.is_object());
      queue(h);
    });
  };
  ae::fuzz::feed_handle(stream, piece, queue);
  return 0;
}
