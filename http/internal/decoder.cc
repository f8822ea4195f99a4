#include "http/internal/decoder.h"

#include <zlib.h>

#include "http/headers.h"

namespace ae::http_internal {
namespace {
constexpr std::size_t kOutSize = 64 * 1024;
}

struct ContentDecoder::Stream {
  z_stream z{};
  bool live = false;
  ~Stream() {
    if (live) inflateEnd(&z);
  }
};

std::optional<ContentDecoder::Coding> ContentDecoder::coding_for(
    std::string_view content_encoding) noexcept {
  while (!content_encoding.empty() &&
         (content_encoding.front() == ' ' || content_encoding.front() == '\t')) {
    content_encoding.remove_prefix(1);
  }
  while (!content_encoding.empty() &&
         (content_encoding.back() == ' ' || content_encoding.back() == '\t')) {
    content_encoding.remove_suffix(1);
  }
  if (http::iequals(content_encoding, "gzip") || http::iequals(content_encoding, "x-gzip")) {
    return Coding::kGzip;
  }
  if (http::iequals(content_encoding, "deflate")) return Coding::kDeflate;
  return std::nullopt;
}

ContentDecoder::ContentDecoder(Coding coding)
    : coding_(coding), out_(std::make_unique<char[]>(kOutSize)) {
  init(false);
}

ContentDecoder::~ContentDecoder() = default;

bool ContentDecoder::init(bool raw) {
  z_ = std::make_unique<Stream>();
  // 15 + 16: gzip only; 15: zlib-wrapped deflate; -15: raw deflate.
  int bits = coding_ == Coding::kGzip ? 15 + 16 : (raw ? -15 : 15);
  if (inflateInit2(&z_->z, bits) != Z_OK) {
    error_ = "zlib could not start";
    return false;
  }
  z_->live = true;
  return true;
}

bool ContentDecoder::decode(std::string_view in, const Function<bool(std::string_view)>& out) {
  if (!error_.empty()) return false;
  if (in.empty() || trailing_) return true;
  if (!z_->live) return false;
  if (!magic_.empty()) {
    // The first byte of a gzip magic number ended the last piece: go on as if they came together.
    std::string joined = std::move(magic_) + std::string(in);
    magic_.clear();
    return decode(joined, out);
  }
  started_ = true;
  // Until a "deflate" body is known to be zlib-wrapped (it produced output), keep its bytes: the
  // header check may fail only at the second byte, and a raw-deflate retry needs them all.
  if (coding_ == Coding::kDeflate && !produced_ && !retried_raw_) {
    if (head_.size() + in.size() <= kOutSize) {
      head_.append(in);
    } else {
      retried_raw_ = true;  // too late to tell: no fallback
      head_.clear();
    }
  }
  z_stream& z = z_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    if (ended_) {
      if (z.avail_in == 0) break;
      // After the end of a gzip member another may follow right away; anything after a deflate
      // stream, and bytes that do not start another member (padding some servers add), end the
      // coded body: the rest of it is ignored, as browsers do, however it is cut into pieces.
      if (coding_ != Coding::kGzip || z.next_in[0] != 0x1f) {
        trailing_ = true;
        return true;
      }
      if (z.avail_in == 1) {
        magic_.assign(1, '\x1f');  // the next piece says whether a member starts here
        return true;
      }
      if (z.next_in[1] != 0x8b) {
        trailing_ = true;
        return true;
      }
      if (inflateReset(&z) != Z_OK) return false;
      ended_ = false;
    }
    z.next_out = reinterpret_cast<Bytef*>(out_.get());
    z.avail_out = static_cast<uInt>(kOutSize);
    int rc = inflate(&z, Z_NO_FLUSH);
    std::size_t produced = kOutSize - z.avail_out;
    if (rc == Z_DATA_ERROR && coding_ == Coding::kDeflate && !produced_ && !retried_raw_) {
      // Not zlib-wrapped: start over as raw deflate with the same input.
      retried_raw_ = true;
      if (!init(true)) return false;
      std::string replay = std::move(head_);
      head_.clear();
      return decode(replay, out);
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      error_ = std::string(coding_ == Coding::kGzip ? "gzip" : "deflate") + " data is corrupt" +
               (z.msg ? std::string(" (") + z.msg + ")" : std::string());
      return false;
    }
    if (produced > 0) {
      produced_ = true;
      if (!out(std::string_view(out_.get(), produced))) return true;
    }
    if (rc == Z_STREAM_END) ended_ = true;
    // Done when all input is in and zlib had room to spare (it holds no more output).
    if (z.avail_in == 0 && z.avail_out != 0) break;
    if (rc == Z_BUF_ERROR && produced == 0) break;  // needs more input
  }
  return true;
}

bool ContentDecoder::finish() {
  if (!error_.empty()) return false;
  if (started_ && (!ended_ || !magic_.empty())) {
    error_ = std::string(coding_ == Coding::kGzip ? "gzip" : "deflate") +
             " data ends before the end of the coded stream";
    return false;
  }
  return true;
}

}  // namespace ae::http_internal
