// The netstring read type inside a Handle, bytes arriving in pieces: every value delivered was
// framed as a netstring in the stream, and garbage is a non-fatal error, never a crash or a hang.
#include <cstdint>
#include <functional>
#include <string>

#include "handle/handle.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/handle_feeder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  const std::size_t piece = ae::fuzz::piece_size(in.byte());
  const bool drop_garbage = in.byte() & 1;  // what an application does on EBADMSG, or not
  const std::string_view stream = in.take_rest();
  std::function<void(ae::Handle&)> queue = [&](ae::Handle& h) {
    h.push_read(ae::netstring, [&](ae::Handle& h, std::string value) {
      AE_FUZZ_CHECK(stream.find(ae::netstring.encode(value)) != std::string_view::npos);
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
