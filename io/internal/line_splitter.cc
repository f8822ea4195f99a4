#include "io/internal/line_splitter.h"

#include <algorithm>
#include <cstring>

namespace ae::io_internal {

void LineSplitter::append(std::string_view data) {
  // Returned lines are dropped before new bytes come, once they make up half the buffer, so
  // each byte is moved a bounded number of times.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(data);
}

std::optional<std::string_view> LineSplitter::next() {
  const char* begin = buffer_.data() + start_;
  std::size_t available = buffer_.size() - start_;
  // Enough to hold a line of max_line bytes and its "\r\n"; a "\n" further away ends a line
  // that is too long anyway.
  std::size_t window = std::min(available, max_line_ + 2);
  const char* nl = nullptr;
  if (window > scanned_) {
    nl = static_cast<const char*>(std::memchr(begin + scanned_, '\n', window - scanned_));
  }
  if (nl == nullptr) {
    scanned_ = window;
    if (available < max_line_ + 2) return std::nullopt;  // its terminator may still come
    return piece(begin);
  }
  auto length = static_cast<std::size_t>(nl - begin);
  std::size_t consumed = length + 1;
  if (length > 0 && begin[length - 1] == '\r') --length;
  if (length > max_line_) return piece(begin);
  start_ += consumed;
  scanned_ = 0;
  return std::string_view(begin, length);
}

std::string_view LineSplitter::piece(const char* begin) noexcept {
  start_ += max_line_;
  scanned_ = 0;
  return std::string_view(begin, max_line_);
}

std::string LineSplitter::take_rest() {
  std::string rest = buffer_.substr(start_);
  buffer_.clear();
  start_ = 0;
  scanned_ = 0;
  return rest;
}

}  // namespace ae::io_internal
