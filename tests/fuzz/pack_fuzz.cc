// Perl pack integer formats (the packstring type's pack/unpack): any format string is parsed or
// refused with invalid_argument; any bytes decode to a length, "need more" or a clear error; and
// every decoded length encodes back to bytes that decode to it again.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "handle/internal/pack.h"
#include "tests/fuzz/fuzz_input.h"

using ae::handle_internal::decode_pack_length;
using ae::handle_internal::encode_pack_length;
using ae::handle_internal::PackFormat;
using ae::handle_internal::PackPrefix;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::fuzz::FuzzInput in(data, size);
  const std::string_view format_text = in.take(in.pick(5));
  PackFormat format;
  try {
    format = ae::handle_internal::parse_pack_format(format_text);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  const std::string_view bytes = in.take_rest();
  PackPrefix p = decode_pack_length(format, bytes);
  if (p.status != PackPrefix::Status::kOk) return 0;
  AE_FUZZ_CHECK(p.prefix >= 1 && p.prefix <= bytes.size());
  std::string again = encode_pack_length(format, p.length);
  PackPrefix q = decode_pack_length(format, again);
  AE_FUZZ_CHECK(q.status == PackPrefix::Status::kOk);
  AE_FUZZ_CHECK(q.length == p.length);
  AE_FUZZ_CHECK(q.prefix == again.size());
  if (format.size != 0) AE_FUZZ_CHECK(again == bytes.substr(0, p.prefix));
  return 0;
}
