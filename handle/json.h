// The json read and write type for ae::Handle (//handle:json), on nlohmann/json.
//
// Reading: one JSON array or object (UTF-8) at a time (AnyEvent's `json`). Texts may follow each
// other without separators; whitespace between them is skipped. A text that is not an array or
// object, does not parse, holds a number nlohmann/json cannot represent (1e999), or nests deeper
// than kMaxJsonDepth, raises a non-fatal EBADMSG after the bad bytes are skipped (up to the next
// '[' or '{' for a bad start, the whole bracketed span otherwise); the reader stays queued. Unlike
// AnyEvent, an incomplete text stays in rbuf() while it arrives (its end is found in linear time
// overall), so rbuf_max limits its size.
// Writing: push_write(ae::json, value) writes compact UTF-8 with no newlines.
//
// Example:
//   #include "handle/json.h"
//   h.push_read(ae::json, [](ae::Handle& h, nlohmann::json v) { /* ... */ });
//   h.push_write(ae::json, {{"hello", "world"}});       // {"hello":"world"}
//
// Not provided: AnyEvent's `json => $coder` option (the type always uses nlohmann/json).
// Errors (writing): nlohmann::json::type_error for strings that are not valid UTF-8.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "core/function.h"
#include "handle/types.h"

namespace ae {

// Deeper nesting is refused, so that no code walking a delivered value recursively (comparing,
// copying, dumping it) can be made to overflow the stack by a peer.
inline constexpr std::size_t kMaxJsonDepth = 512;

struct JsonType {
  using Callback = Function<void(Handle&, nlohmann::json value)>;
  using Value = nlohmann::json;
  Reader reader(Callback cb) const;
  std::string encode(const nlohmann::json& value) const { return value.dump(); }
};
inline constexpr JsonType json{};

}  // namespace ae
