// Finds where one JSON array or object ends in a growing byte stream, in linear time overall:
// the scan resumes where the previous call stopped. Private to //handle:json.
#pragma once

#include <cstddef>
#include <string_view>

namespace ae::handle_internal {

class JsonScanner {
 public:
  enum class Result {
    kNeedMore,  // no complete text yet; call again with the same bytes plus more
    kComplete,  // a bracketed text spans [begin(), end())
    kNotJson,   // the first non-blank byte cannot start an array or object (at begin())
  };

  // Scans `bytes`, which must start with the bytes given to the previous call (the caller
  // resets the scanner when its buffer changed in front).
  Result scan(std::string_view bytes) noexcept;

  // Where the text (or, for kNotJson, the offending byte) starts, and where it ends.
  std::size_t begin() const noexcept { return begin_; }
  std::size_t end() const noexcept { return pos_; }
  // The deepest nesting seen so far (1 for a flat array or object).
  std::size_t max_depth() const noexcept { return max_depth_; }

  void reset() noexcept { *this = JsonScanner(); }

 private:
  std::size_t pos_ = 0;    // bytes scanned so far
  std::size_t begin_ = 0;  // the opening bracket
  std::size_t depth_ = 0;  // 0: before the text
  std::size_t max_depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
};

}  // namespace ae::handle_internal
