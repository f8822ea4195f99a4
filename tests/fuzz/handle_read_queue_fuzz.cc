// A read queue of mixed read types (chunk, line, netstring, packstring, json, tls_detect, regex),
// some unshifted, some re-queued from their callbacks, with on_read taking what is left, bytes
// arriving in pieces: the drain loop neither crashes, nor spins, nor loses or invents bytes.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "handle/handle.h"
#include "handle/json.h"
#include "handle/regex.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/handle_feeder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ae::Regex kBlankLine("\\r?\\n\\r?\\n");
  ae::fuzz::FuzzInput in(data, size);
  const std::size_t piece = ae::fuzz::piece_size(in.byte());
  const std::string_view ops = in.take(in.pick(16));
  const std::string_view stream = in.take_rest();

  std::size_t results = 0;
  std::size_t read_by_on_read = 0;
  auto push = [&](ae::Handle& h, unsigned op, bool front) {
    auto add = [&](ae::Reader r) {
      if (front) {
        h.unshift_read(std::move(r));
      } else {
        h.push_read(std::move(r));
      }
    };
    auto count = [&](ae::Handle&, auto&&...) { ++results; };
    switch (op % 7) {
      case 0:
        add(ae::chunk(op / 7 % 6).reader(count));
        break;
      case 1:
        add(ae::line.reader(count));
        break;
      case 2:
        add(ae::netstring.reader(count));
        break;
      case 3:
        add(ae::packstring("n").reader(count));
        break;
      case 4:
        add(ae::json.reader(count));
        break;
      case 5:
        add(ae::tls_detect.reader(count));
        break;
      case 6:
        add(ae::line(kBlankLine).reader(count));
        break;
    }
  };
  ae::fuzz::feed_handle(stream, piece, [&](ae::Handle& h) {
    for (char c : ops) {
      auto op = static_cast<unsigned char>(c);
      if (op >= 0xf0) {
        // on_read takes up to op % 16 bytes each time it runs.
        h.on_read([&, take = op % 16u](ae::Handle& h) {
          std::size_t n = std::min<std::size_t>(take, h.rbuf().size());
          h.rbuf().consume(n);
          read_by_on_read += n;
        });
      } else {
        push(h, op, op & 0x80);
      }
    }
  });
  AE_FUZZ_CHECK(read_by_on_read <= stream.size());
  return 0;
}
