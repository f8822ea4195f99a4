// LineSplitter: cuts a byte stream into lines, in linear time and bounded memory. Private to //io.
//
// A line ends at "\n"; the terminator (and a "\r" before it) is not part of the line. A line
// longer than max_line comes out in pieces of max_line bytes, so the buffer never holds more
// than max_line bytes plus what the last append() brought.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ae::io_internal {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) noexcept : max_line_(max_line > 0 ? max_line : 1) {}

  void append(std::string_view data);
  // The next line (or piece of an overlong one), or std::nullopt when no complete one is
  // buffered. The view is valid until the next call of any member.
  std::optional<std::string_view> next();
  // Removes and returns the incomplete rest (a line whose terminator never came).
  std::string take_rest();
  // Bytes buffered and not yet returned.
  std::size_t buffered() const noexcept { return buffer_.size() - start_; }

 private:
  // The first max_line bytes, as a piece of an overlong line.
  std::string_view piece(const char* begin) noexcept;

  std::size_t max_line_;
  std::string buffer_;
  std::size_t start_ = 0;    // the first byte not yet returned
  std::size_t scanned_ = 0;  // bytes from start_ on known to hold no "\n"
};

}  // namespace ae::io_internal
