// udp_query's datagram scanner on any bytes: an ID in range and one word, or refused; what it
// reads formats back to the same datagram.
#include <cstdint>
#include <string>
#include <string_view>

#include "examples/udp_query/datagram.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view datagram(reinterpret_cast<const char*>(data), size);
  if (auto d = ae::examples::parse_query_datagram(datagram)) {
    AE_FUZZ_CHECK(d->id <= 65535);
    AE_FUZZ_CHECK(!d->text.empty());
    AE_FUZZ_CHECK(d->text.find_first_of(" \r\n") == std::string_view::npos);
    std::string again = ae::examples::format_query_datagram(d->id, d->text);
    auto reread = ae::examples::parse_query_datagram(again);
    AE_FUZZ_CHECK(reread && reread->id == d->id && reread->text == d->text);
  }
  return 0;
}
