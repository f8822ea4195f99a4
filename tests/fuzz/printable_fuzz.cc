// The examples' terminal filter on any bytes: what comes out holds no C0, DEL or C1 control,
// raw or as UTF-8, is well-formed UTF-8, and is never longer than what went in.
#include <cstdint>
#include <string>
#include <string_view>

#include "examples/common/printable.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool keep_newlines : {false, true}) {
    const std::string out = ae::examples::printable(text, keep_newlines);
    AE_FUZZ_CHECK(out.size() <= text.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(out[i]);
      AE_FUZZ_CHECK(c >= 0x20 || (keep_newlines && (c == '\n' || c == '\t')));
      AE_FUZZ_CHECK(c != 0x7f);
      AE_FUZZ_CHECK(!(c == 0xc2 && i + 1 < out.size() &&
                      static_cast<unsigned char>(out[i + 1]) <= 0x9f));  // U+0080..U+009F
      // A byte 0x80-0xBF only ever continues a sequence begun by a lead byte.
      if (c >= 0x80 && c <= 0xbf)
        AE_FUZZ_CHECK(i > 0 && static_cast<unsigned char>(out[i - 1]) >= 0x80);
    }
    // Idempotent: filtered text has nothing left to filter.
    AE_FUZZ_CHECK(ae::examples::printable(out, keep_newlines) == out);
  }
  return 0;
}
