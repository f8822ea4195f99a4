// The regex read types inside a Handle: line(Regex) and regex(accept, reject, skip), with
// patterns a program would use (bounded and unbounded; none matches the empty string, which
// re-queued from its own callback would loop by design), bytes arriving in pieces. Results come
// in order, nothing is lost or invented, and no search recurses or rescans without bound.
#include <cstdint>
#include <functional>
#include <string>

#include "handle/handle.h"
#include "handle/regex.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/handle_feeder.h"

namespace {

const char* const kPatterns[] = {
    "\\r?\\n\\r?\\n", "<[^>]*>", "[;,]+",       "a{2,4}b",     "\\bEND\\b",       "(?s).{3}",
    "(?m)^\\.\\r?$",  "x|yz",    "\\d+\\.\\d+", "(ab|ba){2}c", "[^\\x00-\\x7f]+", "q$",
};
constexpr std::size_t kCount = sizeof kPatterns / sizeof kPatterns[0];

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<ae::Regex> patterns = [] {
    std::vector<ae::Regex> v;
    for (const char* p : kPatterns) v.emplace_back(p);
    return v;
  }();
  ae::fuzz::FuzzInput in(data, size);
  const std::size_t piece = ae::fuzz::piece_size(in.byte());
  const int mode = static_cast<int>(in.pick(2));
  const ae::Regex& accept = patterns[in.pick(kCount)];
  const std::size_t reject = in.pick(kCount + 1);  // kCount: none
  const std::size_t skip = in.pick(kCount + 1);
  const std::string_view stream = in.take_rest();

  std::string delivered;
  std::function<void(ae::Handle&)> queue = [&](ae::Handle& h) {
    if (mode == 0) {
      h.push_read(ae::line(accept), [&](ae::Handle& h, std::string line, std::string eol) {
        AE_FUZZ_CHECK(!eol.empty());
        delivered += line + eol;
        queue(h);
      });
    } else {
      h.push_read(ae::regex(accept.pattern(), reject < kCount ? kPatterns[reject] : "",
                            skip < kCount ? kPatterns[skip] : ""),
                  [&](ae::Handle& h, std::string d) {
                    AE_FUZZ_CHECK(!d.empty());
                    delivered += d;
                    queue(h);
                  });
    }
  };
  ae::fuzz::FeedResult r = ae::fuzz::feed_handle(stream, piece, queue);
  AE_FUZZ_CHECK(stream.starts_with(delivered));
  if (r.sent_all && r.fatal && mode == 0) AE_FUZZ_CHECK(delivered + r.rbuf_at_end == stream);
  return 0;
}
