// DNS messages from the wire (ae::dns::parse_message, on every answer the resolver gets): any
// bytes decode or fail with a clear error, never read out of bounds or loop on compression
// pointers; a message that decodes and encodes again decodes to the same shape.
#include <cstdint>
#include <span>

#include "dns/packet.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::Result<ae::dns::Message> m =
      ae::dns::parse_message(std::span<const std::uint8_t>(data, size));
  if (!m) return 0;
  ae::Result<std::vector<std::uint8_t>> again = ae::dns::encode_message(*m);
  if (!again) return 0;
  ae::Result<ae::dns::Message> back = ae::dns::parse_message(*again);
  AE_FUZZ_CHECK(static_cast<bool>(back));
  AE_FUZZ_CHECK(back->id == m->id && back->rcode == m->rcode);
  AE_FUZZ_CHECK(back->questions.size() == m->questions.size());
  AE_FUZZ_CHECK(back->answers.size() == m->answers.size());
  AE_FUZZ_CHECK(back->authority.size() == m->authority.size());
  AE_FUZZ_CHECK(back->additional.size() == m->additional.size());
  return 0;
}
