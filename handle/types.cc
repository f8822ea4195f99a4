#include "handle/types.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "handle/handle.h"
#include "handle/internal/pack.h"

namespace ae {
namespace {

std::error_code bad_message() { return std::make_error_code(std::errc::bad_message); }

// Delivers `line` + `eol` taken from the front of rbuf (eol starts at `eol_at`, `eol_len` long).
bool deliver_line(Handle& h, const LineType::Callback& cb, std::size_t eol_at,
                  std::size_t eol_len) {
  Buffer& b = h.rbuf();
  std::string line(b.data(), eol_at);
  std::string eol(b.data() + eol_at, eol_len);
  b.consume(eol_at + eol_len);
  cb(h, std::move(line), std::move(eol));
  return true;
}

}  // namespace

namespace {

thread_local std::uint64_t t_bytes_scanned = 0;

}  // namespace

std::size_t ScanMark::from(Handle& h) const noexcept {
  from_ = start_ == h.rbuf_start() && scanned_ <= h.rbuf().size() ? scanned_ : 0;
  return from_;
}

std::uint64_t ScanMark::bytes_scanned_for_test() noexcept { return t_bytes_scanned; }

void ScanMark::save(Handle& h, std::size_t scanned) noexcept {
  t_bytes_scanned += scanned - std::min(from_, scanned);
  start_ = h.rbuf_start();
  scanned_ = scanned;
}

// ---- line ---------------------------------------------------------------------------------------

Reader LineType::reader(Callback cb) const {
  if (!literal_) {
    return [cb = std::move(cb), mark = ScanMark()](Handle& h) mutable {
      Buffer& b = h.rbuf();
      std::size_t from = mark.from(h);
      if (from >= b.size()) return false;  // nothing new (and memchr must not see a null data())
      const void* nl = std::memchr(b.data() + from, '\n', b.size() - from);
      if (nl == nullptr) {
        mark.save(h, b.size());
        return false;
      }
      auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - b.data());
      bool cr = at > 0 && b[at - 1] == '\r';
      return deliver_line(h, cb, cr ? at - 1 : at, cr ? 2 : 1);
    };
  }
  return [cb = std::move(cb), eol = eol_, mark = ScanMark()](Handle& h) mutable {
    Buffer& b = h.rbuf();
    std::size_t from = mark.from(h);
    // A marker may straddle the end of what was searched before.
    from = from >= eol.size() && !eol.empty() ? from - eol.size() + 1 : 0;
    std::size_t at = b.view().find(eol, from);
    if (at == std::string_view::npos) {
      mark.save(h, b.size());
      return false;
    }
    return deliver_line(h, cb, at, eol.size());
  };
}

// ---- chunk --------------------------------------------------------------------------------------

Reader ChunkType::reader(Callback cb) const {
  return [cb = std::move(cb), n = n_](Handle& h) {
    if (h.rbuf().size() < n) return false;
    cb(h, h.rbuf().take(n));
    return true;
  };
}

// ---- netstring ----------------------------------------------------------------------------------

Reader NetstringType::reader(Callback cb) const {
  return [cb = std::move(cb)](Handle& h) {
    Buffer& b = h.rbuf();
    std::string_view v = b.view();
    constexpr std::size_t kMaxDigits = 18;
    std::size_t digits = 0;
    while (digits < v.size() && digits <= kMaxDigits && v[digits] >= '0' && v[digits] <= '9') {
      ++digits;
    }
    const char* bad = nullptr;
    if (digits > kMaxDigits) {
      bad = "netstring: length has more than 18 digits";
    } else if (digits > 1 && v[0] == '0') {
      bad = "netstring: length has a leading zero";
    } else if (digits < v.size() && v[digits] != ':') {
      bad = "netstring: expected digits and ':'";
    } else if (digits < v.size() && digits == 0) {
      bad = "netstring: empty length";
    }
    if (bad != nullptr) {
      h.raise_error(bad_message(), bad, false);
      return false;
    }
    if (digits == v.size()) return false;
    std::size_t len = 0;
    for (std::size_t i = 0; i < digits; ++i) len = len * 10 + static_cast<std::size_t>(v[i] - '0');
    const std::size_t total = digits + 1 + len + 1;
    if (v.size() < total) return false;
    if (v[total - 1] != ',') {
      b.consume(total);
      h.raise_error(
          bad_message(),
          "netstring: missing ',' after " + std::to_string(len) + " bytes (message dropped)",
          false);
      return true;
    }
    std::string data(v.substr(digits + 1, len));
    b.consume(total);
    cb(h, std::move(data));
    return true;
  };
}

std::string NetstringType::encode(std::string_view data) const {
  std::string out = std::to_string(data.size());
  out.reserve(out.size() + data.size() + 2);
  out += ':';
  out += data;
  out += ',';
  return out;
}

// ---- packstring ---------------------------------------------------------------------------------

PackstringType::PackstringType(std::string_view format)
    : format_(handle_internal::parse_pack_format(format)) {}

Reader PackstringType::reader(Callback cb) const {
  return [cb = std::move(cb), format = format_](Handle& h) {
    Buffer& b = h.rbuf();
    handle_internal::PackPrefix p = handle_internal::decode_pack_length(format, b.view());
    using Status = handle_internal::PackPrefix::Status;
    if (p.status == Status::kNeedMore) return false;
    if (p.status == Status::kBad) {
      h.raise_error(bad_message(), std::string("packstring: ") + p.why, false);
      return false;
    }
    if (b.size() - p.prefix < p.length) return false;
    b.consume(p.prefix);
    cb(h, b.take(static_cast<std::size_t>(p.length)));
    return true;
  };
}

std::string PackstringType::encode(std::string_view data) const {
  std::string out = handle_internal::encode_pack_length(format_, data.size());
  out += data;
  return out;
}

// ---- tls_detect / tls_autostart -----------------------------------------------------------------

namespace {

// 1: a TLS record or SSLv2-compatible hello (major/minor set), 0: not TLS, -1: undecided yet.
int detect_tls(std::string_view v, int& major, int& minor) {
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(v[i]); };
  if (v.empty()) return -1;
  if (at(0) == 0x16) {  // SSL3+/TLS: type 22 (handshake), major 3|4, minor, length_hi <= 0x40
    if (v.size() > 1 && at(1) != 3 && at(1) != 4) return 0;
    if (v.size() > 3 && at(3) > 0x40) return 0;
    if (v.size() < 4) return -1;
    major = at(1);
    minor = at(2);
    return 1;
  }
  if (at(0) >= 0x80) {  // SSLv2 header: length (2 bytes), client hello (1), major 3|4, minor
    if (v.size() > 2 && at(2) != 1) return 0;
    if (v.size() > 3 && at(3) != 3 && at(3) != 4) return 0;
    if (v.size() < 5) return -1;
    major = at(3);
    minor = at(4);
    return 1;
  }
  return 0;
}

}  // namespace

Reader TlsDetectType::reader(Callback cb) const {
  return [cb = std::move(cb)](Handle& h) {
    int major = 0;
    int minor = 0;
    int r = detect_tls(h.rbuf().view(), major, minor);
    if (r < 0) return false;
    cb(h, r == 1, major, minor);
    return true;
  };
}

Reader tls_autostart(FilterFactory factory) {
  return [factory = std::move(factory)](Handle& h) {
    int major = 0;
    int minor = 0;
    int r = detect_tls(h.rbuf().view(), major, minor);
    if (r < 0) return false;
    if (r == 1) {
      std::unique_ptr<StreamFilter> filter = factory(h);
      if (filter) {
        h.starttls(std::move(filter));
      } else {
        h.raise_error(std::make_error_code(std::errc::protocol_error),
                      "TLS support not available: the tls factory made no filter", true);
      }
    }
    return true;
  };
}

}  // namespace ae
