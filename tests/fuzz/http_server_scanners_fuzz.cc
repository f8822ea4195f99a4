// Fuzz target for the server's hand-written scanners of request data: Range values,
// percent-decoding of paths, If-None-Match lists, and the router's path matching. Checks that
// nothing crashes and that a satisfiable range lies inside the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/internal/static_parse.h"
#include "http/router.h"

namespace internal = ::ae::http_internal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (std::uint64_t file_size :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1000}, ~std::uint64_t{0}}) {
    internal::ByteRange r;
    if (internal::parse_range(input, file_size, r) == internal::RangeResult::kSatisfiable) {
      if (r.first > r.last || r.last >= file_size) std::abort();
    }
  }
  std::optional<std::string> decoded = internal::percent_decode_path(input);
  if (decoded && decoded->find('\0') != std::string::npos) std::abort();
  internal::etag_matches(input, "\"abc-123\"");
  static const ae::http::Router router = [] {
    ae::http::Router r;
    auto h = [](ae::http::ServerRequest&, ae::http::ServerResponse&) {};
    r.get("/", h);
    r.get("/users/:id", h);
    r.get("/users/me", h);
    r.put("/files/*path", h);
    r.route("*", "/any/:a/:b", h);
    return r;
  }();
  std::size_t space = input.find(' ');
  if (space != std::string_view::npos) {
    router.match(input.substr(0, space), input.substr(space + 1));
  }
  return 0;
}
