// ContentDecoder: gzip and deflate content codings (RFC 9110 §8.4.1) undone with zlib, streaming,
// in a fixed-size output buffer, so a large body decodes in constant memory.
//
// Example:
//   auto coding = ContentDecoder::coding_for(headers.value("Content-Encoding"));
//   ContentDecoder d(*coding);
//   d.decode(piece, [&](std::string_view out) { body.append(out); return true; });
//   if (!d.finish()) fail(d.error_message());
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/function.h"

namespace ae::http_internal {

class ContentDecoder {
 public:
  enum class Coding { kGzip, kDeflate };

  // The coding of a Content-Encoding value: gzip (or x-gzip) and deflate; nullopt for identity,
  // an absent field, anything zlib cannot undo (br, zstd) or a stack of several codings, whose
  // bodies then stay as they came.
  static std::optional<Coding> coding_for(std::string_view content_encoding) noexcept;

  explicit ContentDecoder(Coding coding);
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  // Decodes `in`, handing each piece of output to `out` (which returns false to stop: decode then
  // returns true at once). Returns false when the data is not valid for the coding.
  // A "deflate" body may be zlib-wrapped (as RFC 9110 says) or raw (as some servers send it).
  // Concatenated gzip members are decoded one after the other.
  bool decode(std::string_view in, const Function<bool(std::string_view)>& out);
  // The body ended: false when the coded stream was cut short.
  bool finish();

  const std::string& error_message() const noexcept { return error_; }

 private:
  struct Stream;
  bool init(bool raw);

  Coding coding_;
  std::unique_ptr<Stream> z_;
  std::unique_ptr<char[]> out_;
  bool started_ = false;   // some input arrived
  bool produced_ = false;  // some output came out (no more raw-deflate fallback)
  bool ended_ = false;     // the coded stream ended
  bool retried_raw_ = false;
  std::string head_;       // a deflate body's first bytes, kept until it is known whether it is raw
  std::string magic_;      // a lone 0x1f after a gzip member: perhaps the next member's start
  bool trailing_ = false;  // the coded stream ended and what followed started no member
  std::string error_;
};

}  // namespace ae::http_internal
