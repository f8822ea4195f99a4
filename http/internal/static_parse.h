// The small parsers the static file code applies to request fields and paths: byte ranges
// (RFC 9110 §14.1.2), percent-decoding of a path, and entity-tag lists (If-None-Match).
// Hand-written, linear, no allocation beyond the output; fuzzed by //tests/fuzz:http_server_scanners_fuzz.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ae::http_internal {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};

enum class RangeResult {
  kIgnore,         // no usable Range (absent, not bytes, malformed, several ranges): send it all
  kSatisfiable,    // `out` holds the one range, clipped to the file
  kUnsatisfiable,  // 416
};

// Reads a Range field value for a representation of `size` bytes.
RangeResult parse_range(std::string_view value, std::uint64_t size, ByteRange& out) noexcept;

// Percent-decodes a URL path. nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> percent_decode_path(std::string_view path);

// True when If-None-Match `value` ("*" or a comma-separated list of entity tags, weak ones
// included) matches `etag` by the weak comparison.
bool etag_matches(std::string_view value, std::string_view etag) noexcept;

}  // namespace ae::http_internal
