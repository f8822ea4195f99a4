#include "handle/json.h"

#include <exception>
#include <system_error>

#include "handle/handle.h"
#include "handle/internal/json_scan.h"

namespace ae {

Reader JsonType::reader(Callback cb) const {
  return [cb = std::move(cb), scanner = handle_internal::JsonScanner(),
          mark = ScanMark()](Handle& h) mutable {
    using Result = handle_internal::JsonScanner::Result;
    auto bad = [&h](std::string why) {
      h.raise_error(std::make_error_code(std::errc::bad_message), "json: " + why, false);
    };
    Buffer& b = h.rbuf();
    if (mark.from(h) == 0) scanner.reset();
    Result r = scanner.scan(b.view());
    if (r == Result::kNeedMore) {
      mark.save(h, b.size());
      return false;
    }
    if (r == Result::kNotJson) {
      // Skip to where a text could start, so the next one is found.
      std::size_t next = b.view().find_first_of("[{", scanner.begin());
      b.consume(next == std::string_view::npos ? b.size() : next);
      scanner.reset();
      bad("expected an array or object");
      return false;
    }
    const char* first = b.data() + scanner.begin();
    const char* last = b.data() + scanner.end();
    const std::size_t depth = scanner.max_depth();
    nlohmann::json value;
    std::string error;
    if (depth > kMaxJsonDepth) {
      error =
          "nested " + std::to_string(depth) + " deep, more than " + std::to_string(kMaxJsonDepth);
    } else {
      // Every exception the parser throws on peer data (parse_error, out_of_range for a number
      // like 1e999, ...) is a malformed message, never a crash of the whole program.
      try {
        value = nlohmann::json::parse(first, last);
      } catch (const std::exception& e) {
        error = e.what();
        if (error.empty()) error = "unparsable text";
      }
    }
    b.consume(scanner.end());
    scanner.reset();
    if (!error.empty()) {
      bad(std::move(error));
      return false;
    }
    cb(h, std::move(value));
    return true;
  };
}

}  // namespace ae
