// The line read type inside a Handle: the default marker ("\n" or "\r\n") or a literal one,
// bytes arriving in pieces. Lines are delivered in order with their markers, nothing is lost or
// invented, and what is left at end-of-file is the unterminated rest.
#include <cstdint>
#include <functional>
#include <string>

#include "handle/handle.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/handle_feeder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  const std::size_t piece = ae::fuzz::piece_size(in.byte());
  const bool literal = in.byte() & 1;
  const std::string eol(in.take(in.pick(4) + 1));
  const std::string_view stream = in.take_rest();

  std::string delivered;
  std::function<void(ae::Handle&)> queue = [&](ae::Handle& h) {
    auto got = [&](ae::Handle& h, std::string line, std::string marker) {
      if (literal) {
        AE_FUZZ_CHECK(marker == eol);
        AE_FUZZ_CHECK((line + marker).find(eol) == line.size());  // the first occurrence
      } else {
        AE_FUZZ_CHECK(marker == "\n" || marker == "\r\n");
        AE_FUZZ_CHECK(line.find('\n') == std::string::npos);
        AE_FUZZ_CHECK(marker == "\r\n" || line.empty() || line.back() != '\r');
      }
      delivered += line + marker;
      queue(h);
    };
    if (literal) {
      h.push_read(ae::line(eol), got);
    } else {
      h.push_read(ae::line, got);
    }
  };
  ae::fuzz::FeedResult r = ae::fuzz::feed_handle(stream, piece, queue);
  AE_FUZZ_CHECK(stream.starts_with(delivered));
  if (r.sent_all && r.fatal) AE_FUZZ_CHECK(delivered + r.rbuf_at_end == stream);
  return 0;
}
