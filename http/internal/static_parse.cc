#include "http/internal/static_parse.h"

#include <charconv>

namespace ae::http_internal {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A whole decimal number; false for anything else (including overflow).
bool number(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view opaque(std::string_view tag) {
  tag = trim(tag);
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

}  // namespace

RangeResult parse_range(std::string_view value, std::uint64_t size, ByteRange& out) noexcept {
  value = trim(value);
  if (!value.starts_with("bytes=")) return RangeResult::kIgnore;
  value = trim(value.substr(6));
  if (value.find(',') != std::string_view::npos) return RangeResult::kIgnore;
  std::size_t dash = value.find('-');
  if (dash == std::string_view::npos) return RangeResult::kIgnore;
  std::string_view a = trim(value.substr(0, dash));
  std::string_view b = trim(value.substr(dash + 1));
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (a.empty()) {  // the last b bytes
    if (!number(b, last)) return RangeResult::kIgnore;
    if (last == 0 || size == 0) return RangeResult::kUnsatisfiable;
    out.first = last >= size ? 0 : size - last;
    out.last = size - 1;
    return RangeResult::kSatisfiable;
  }
  if (!number(a, first)) return RangeResult::kIgnore;
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else if (!number(b, last) || last < first) {
    return RangeResult::kIgnore;
  }
  if (first >= size) return RangeResult::kUnsatisfiable;
  out.first = first;
  out.last = last >= size ? size - 1 : last;
  return RangeResult::kSatisfiable;
}

std::optional<std::string> percent_decode_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return std::nullopt;
      int hi = hex(path[i + 1]);
      int lo = hex(path[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

bool etag_matches(std::string_view value, std::string_view etag) noexcept {
  value = trim(value);
  if (value == "*") return true;
  std::string_view want = opaque(etag);
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    if (opaque(value.substr(0, comma)) == want) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace ae::http_internal
