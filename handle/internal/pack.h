// Perl pack integer formats for the packstring read and write types: parsing the format,
// encoding a length, decoding a length prefix. Private to //handle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "handle/types.h"

namespace ae::handle_internal {

using PackFormat = PackstringType::Format;

// Parses one integer format ("N", "w", "s!<", ...).
// Errors: std::invalid_argument naming the format when it is not one AnyEvent supports.
PackFormat parse_pack_format(std::string_view format);

// The result of looking at the front of a buffer for a length prefix.
struct PackPrefix {
  enum class Status { kOk, kNeedMore, kBad };
  Status status = Status::kNeedMore;
  std::uint64_t length = 0;  // kOk: the decoded length
  std::size_t prefix = 0;    // kOk: bytes the prefix took
  const char* why = "";      // kBad: what was wrong
};
PackPrefix decode_pack_length(const PackFormat& format, std::string_view bytes) noexcept;

// The prefix for `length`.
// Errors: std::invalid_argument when `length` does not fit the format.
std::string encode_pack_length(const PackFormat& format, std::uint64_t length);

}  // namespace ae::handle_internal
