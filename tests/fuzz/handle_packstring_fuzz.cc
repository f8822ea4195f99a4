// The packstring read type inside a Handle, in every length format, bytes arriving in pieces:
// every value delivered was framed in the stream, a bad length is a non-fatal error, and a huge
// length waits (bounded by rbuf_max) rather than allocating it.
#include <cstdint>
#include <functional>
#include <string>

#include "handle/handle.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/handle_feeder.h"

namespace {

const char* const kFormats[] = {"C",  "c",  "n",  "N",  "v",  "V",  "w",  "s",  "S",  "l",
                                "L",  "q",  "Q",  "i",  "I",  "j",  "J",  "s<", "S>", "l>",
                                "L<", "q>", "Q<", "i>", "I<", "j>", "J<", "s!", "S!", "l!",
                                "L!", "i!", "I!", "n!", "N!", "v!", "V!", "l!>"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  const std::size_t piece = ae::fuzz::piece_size(in.byte());
  const ae::PackstringType type(kFormats[in.pick(std::size(kFormats))]);
  const bool drop_garbage = in.byte() & 1;
  const std::string_view stream = in.take_rest();
  std::function<void(ae::Handle&)> queue = [&](ae::Handle& h) {
    h.push_read(type, [&](ae::Handle& h, std::string value) {
      AE_FUZZ_CHECK(stream.find(value) != std::string_view::npos);
      queue(h);
    });
  };
  auto setup = [&](ae::Handle& h) {
    if (drop_garbage) ae::fuzz::skip_garbage_on_errors(h);
    queue(h);
  };
  ae::fuzz::feed_handle(stream, piece, setup);
  return 0;
}
