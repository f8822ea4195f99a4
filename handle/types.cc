#include "handle/types.h"

#include <cstring>
#include <stdexcept>

#include "handle/handle.h"
#include "handle/internal/json_scan.h"
#include "handle/internal/pack.h"

namespace ae {
namespace {

std::error_code bad_message() { return std::make_error_code(std::errc::bad_message); }

bool search(const Buffer& b, std::cmatch& m, const std::regex& re) {
  const char* p = b.data();
  return std::regex_search(p, p + b.size(), m, re);
}

// Where a reader may resume searching: how far it looked last time, if the buffer has not
// changed in front since (someone else consuming from rbuf() resets it).
class Resume {
 public:
  std::size_t from(Handle& h) const noexcept {
    return start_ == h.rbuf_start() && scanned_ <= h.rbuf().size() ? scanned_ : 0;
  }
  void save(const Handle& h, std::size_t scanned) noexcept {
    start_ = h.rbuf_start();
    scanned_ = scanned;
  }

 private:
  std::uint64_t start_ = ~std::uint64_t{0};
  std::size_t scanned_ = 0;
};

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

// ---- line
// -----------------------------------------------------------------------------------------

Reader LineType::reader(Callback cb) const {
  switch (kind_) {
    case Kind::kDefault:
      return [cb = std::move(cb), resume = Resume()](Handle& h) mutable {
        Buffer& b = h.rbuf();
        std::size_t from = resume.from(h);
        const void* nl = std::memchr(b.data() + from, '\n', b.size() - from);
        if (nl == nullptr) {
          resume.save(h, b.size());
          return false;
        }
        auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - b.data());
        bool cr = at > 0 && b[at - 1] == '\r';
        return deliver_line(h, cb, cr ? at - 1 : at, cr ? 2 : 1);
      };
    case Kind::kString:
      return [cb = std::move(cb), eol = eol_, resume = Resume()](Handle& h) mutable {
        Buffer& b = h.rbuf();
        std::size_t from = resume.from(h);
        // A marker may straddle the end of what was searched before.
        from = from >= eol.size() && !eol.empty() ? from - eol.size() + 1 : 0;
        std::size_t at = b.view().find(eol, from);
        if (at == std::string_view::npos) {
          resume.save(h, b.size());
          return false;
        }
        return deliver_line(h, cb, at, eol.size());
      };
    case Kind::kRegex:
      return [cb = std::move(cb), re = regex_](Handle& h) {
        Buffer& b = h.rbuf();
        std::cmatch m;
        if (!search(b, m, re)) return false;
        return deliver_line(h, cb, static_cast<std::size_t>(m.position(0)),
                            static_cast<std::size_t>(m.length(0)));
      };
  }
  return nullptr;
}

// ---- chunk
// ----------------------------------------------------------------------------------------

Reader ChunkType::reader(Callback cb) const {
  return [cb = std::move(cb), n = n_](Handle& h) {
    if (h.rbuf().size() < n) return false;
    cb(h, h.rbuf().take(n));
    return true;
  };
}

// ---- regex
// ----------------------------------------------------------------------------------------

RegexType regex(std::string_view accept, std::string_view reject, std::string_view skip) {
  auto compile = [](std::string_view p) -> std::optional<std::regex> {
    if (p.empty()) return std::nullopt;
    return std::regex(p.begin(), p.end());
  };
  return RegexType(std::regex(accept.begin(), accept.end()), compile(reject), compile(skip));
}

Reader RegexType::reader(Callback cb) const {
  return [cb = std::move(cb), accept = accept_, reject = reject_, skip = skip_,
          data = std::string()](Handle& h) mutable {
    Buffer& b = h.rbuf();
    std::cmatch m;
    if (search(b, m, accept)) {
      auto end = static_cast<std::size_t>(m.position(0) + m.length(0));
      data.append(b.data(), end);
      b.consume(end);
      cb(h, std::move(data));
      return true;
    }
    if (reject && search(b, m, *reject)) {
      h.raise_error(bad_message(), "regex read: the reject pattern matched", false);
      return false;
    }
    if (skip && search(b, m, *skip)) {
      auto end = static_cast<std::size_t>(m.position(0) + m.length(0));
      data.append(b.data(), end);
      b.consume(end);
    }
    return false;
  };
}

// ---- netstring
// ------------------------------------------------------------------------------------

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

// ---- packstring
// -----------------------------------------------------------------------------------

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

// ---- json
// -----------------------------------------------------------------------------------------

Reader JsonType::reader(Callback cb) const {
  return [cb = std::move(cb), scanner = handle_internal::JsonScanner(),
          resume = Resume()](Handle& h) mutable {
    using Result = handle_internal::JsonScanner::Result;
    Buffer& b = h.rbuf();
    if (resume.from(h) == 0) scanner.reset();
    Result r = scanner.scan(b.view());
    if (r == Result::kNeedMore) {
      resume.save(h, b.size());
      return false;
    }
    if (r == Result::kNotJson) {
      // Skip to where a text could start, so the next one is found.
      std::size_t next = b.view().find_first_of("[{", scanner.begin());
      b.consume(next == std::string_view::npos ? b.size() : next);
      scanner.reset();
      h.raise_error(bad_message(), "json: expected an array or object", false);
      return false;
    }
    const char* first = b.data() + scanner.begin();
    const char* last = b.data() + scanner.end();
    nlohmann::json value;
    std::string error;
    // Every exception the parser throws on peer data (parse_error, out_of_range for a number
    // like 1e999, ...) is a malformed message, never a crash of the whole program.
    try {
      value = nlohmann::json::parse(first, last);
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "unparsable text";
    }
    b.consume(scanner.end());
    scanner.reset();
    if (!error.empty()) {
      h.raise_error(bad_message(), "json: " + error, false);
      return false;
    }
    cb(h, std::move(value));
    return true;
  };
}

std::string JsonType::encode(const nlohmann::json& value) const { return value.dump(); }

// ---- tls_detect / tls_autostart
// ---------------------------------------------------------------------

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
