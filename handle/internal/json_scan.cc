#include "handle/internal/json_scan.h"

namespace ae::handle_internal {

JsonScanner::Result JsonScanner::scan(std::string_view bytes) noexcept {
  const std::size_t size = bytes.size();
  if (depth_ == 0) {
    while (pos_ < size && (bytes[pos_] == ' ' || bytes[pos_] == '\t' || bytes[pos_] == '\n' ||
                           bytes[pos_] == '\r')) {
      ++pos_;
    }
    if (pos_ == size) return Result::kNeedMore;
    begin_ = pos_;
    if (bytes[pos_] != '[' && bytes[pos_] != '{') return Result::kNotJson;
    depth_ = max_depth_ = 1;
    ++pos_;
  }
  while (pos_ < size) {
    const char c = bytes[pos_++];
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '[' || c == '{') {
      if (++depth_ > max_depth_) max_depth_ = depth_;
    } else if ((c == ']' || c == '}') && --depth_ == 0) {
      return Result::kComplete;
    }
  }
  return Result::kNeedMore;
}

}  // namespace ae::handle_internal
