// resolv.conf text (ae::dns::parse_resolv_conf): any text is applied or skipped line by line,
// never a crash, and what it yields is within bounds.
#include <cstdint>
#include <string_view>

#include "dns/options.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/quiet_logs.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ae::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ae::dns::Options options;
  ae::dns::parse_resolv_conf(std::string_view(reinterpret_cast<const char*>(data), size), options);
  AE_FUZZ_CHECK(options.servers.size() <= size);
  AE_FUZZ_CHECK(options.search.size() <= size);
  for (double t : options.timeouts) AE_FUZZ_CHECK(t > 0);
  return 0;
}
