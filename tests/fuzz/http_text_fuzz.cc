// The examples' HTTP/1.x scanners (examples/common/http_text.h) on any bytes: status and request
// lines, Content-Length, and the end of a head found the same way whether the head arrives at
// once or piece by piece.
#include <cstdint>
#include <string>

#include "examples/common/http_text.h"
#include "tests/fuzz/fuzz_input.h"

using namespace ae::examples;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  const std::size_t piece = in.pick(16) + 1;
  const std::string_view text = in.take_rest();

  if (auto s = parse_status_line(text)) {
    AE_FUZZ_CHECK(s->code >= 0 && s->code <= 999);
    AE_FUZZ_CHECK(text.starts_with("HTTP/"));
  }
  if (auto r = parse_request_line(text)) {
    AE_FUZZ_CHECK(!r->method.empty() && !r->target.empty());
    AE_FUZZ_CHECK(r->target.find(' ') == std::string_view::npos);
  }
  long long length = content_length(text);
  AE_FUZZ_CHECK(length >= -1 && length < 1000000000000000000LL);

  std::size_t resume = 0;
  std::optional<HeadEnd> whole = find_head_end(text, 0, &resume);
  std::optional<HeadEnd> pieces;
  std::size_t from = 0;
  for (std::size_t n = std::min(piece, text.size()); !pieces;
       n = std::min(n + piece, text.size())) {
    pieces = find_head_end(text.substr(0, n), from, &from);
    if (n == text.size()) break;
  }
  AE_FUZZ_CHECK(whole.has_value() == pieces.has_value());
  if (whole) {
    AE_FUZZ_CHECK(whole->head == pieces->head && whole->consumed == pieces->consumed);
    AE_FUZZ_CHECK(whole->head < whole->consumed && whole->consumed <= text.size());
    std::string_view rest = text.substr(whole->head, whole->consumed - whole->head);
    AE_FUZZ_CHECK(rest == "\n" || rest == "\r\n" || rest == "\n\n" || rest == "\n\r\n" ||
                  rest == "\r\n\n" || rest == "\r\n\r\n");
  }
  return 0;
}
