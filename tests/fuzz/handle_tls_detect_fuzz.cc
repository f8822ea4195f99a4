// tls_detect and tls_autostart inside a Handle, bytes arriving in pieces: a decision is made
// from at most the first five bytes, nothing is consumed, and TLS-looking bytes start the filter
// the factory makes (here none, which is the documented fatal EPROTO).
#include <cstdint>
#include <string>

#include "handle/handle.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/handle_feeder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  const std::size_t piece = ae::fuzz::piece_size(in.byte());
  const bool autostart = in.byte() & 1;
  const std::string_view stream = in.take_rest();
  int decisions = 0;
  std::string after;
  ae::fuzz::feed_handle(stream, piece, [&](ae::Handle& h) {
    if (autostart) {
      h.push_read(ae::tls_autostart([](ae::Handle&) { return nullptr; }));
    } else {
      h.push_read(ae::tls_detect, [&](ae::Handle& h, bool tls, int major, int minor) {
        ++decisions;
        AE_FUZZ_CHECK(stream.starts_with(h.rbuf().view()) || h.rbuf().view().starts_with(stream));
        if (tls) AE_FUZZ_CHECK(major == 3 || major == 4);
        if (!tls) AE_FUZZ_CHECK(major == 0 && minor == 0);
      });
    }
    h.push_read(ae::chunk(1), [&](ae::Handle&, std::string c) { after = c; });
  });
  AE_FUZZ_CHECK(decisions <= 1);
  if (decisions == 1 && !after.empty()) AE_FUZZ_CHECK(after[0] == stream[0]);
  return 0;
}
