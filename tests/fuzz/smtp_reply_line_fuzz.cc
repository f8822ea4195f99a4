// smtp_client's reply-line scanner on any bytes: a code in 200..599 and a separator, or refused.
#include <cstdint>
#include <string_view>

#include "examples/smtp_client/reply_line.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  if (auto r = ae::examples::parse_reply_line(line)) {
    AE_FUZZ_CHECK(r->code >= 200 && r->code <= 599);
    AE_FUZZ_CHECK(line.size() == 3 || line[3] == (r->more ? '-' : ' '));
    AE_FUZZ_CHECK(r->text.size() == (line.size() > 4 ? line.size() - 4 : 0));
  }
  return 0;
}
