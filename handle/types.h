// The read and write types of ae::Handle (AnyEvent::Handle's `push_read(type => ...)` and
// `push_write(type => ...)`): line, chunk, netstring, packstring, tls_detect, tls_autostart.
// The json type lives in handle/json.h (//handle:json) and the regex types in handle/regex.h
// (//handle:regex), so that a program that uses neither compiles and links neither library.
//
// A read type turns a callback into an ae::Reader, the raw reader AnyEvent calls a "read
// callback": it looks at h.rbuf(), consumes what it needs from the front, calls the callback and
// returns true when it is done, or returns false to be called again when more data arrived. A
// write type turns a value into the bytes to write. Both plug into Handle without touching it:
// any object with `reader(Callback)` and a nested `Callback` type is a read type (ReadType), any
// object with a nested `Value` type and `encode(const Value&)` returning std::string is a write
// type (WriteType). AnyEvent's register_read_type / register_write_type registries by name have
// no counterpart: a C++ read or write type is a class, found by the compiler.
//
// Example:
//   h.push_read(ae::line, [](ae::Handle& h, std::string line, std::string eol) { /* ... */ });
//   h.push_read(ae::line("\r\n.\r\n"), cb);             // a literal delimiter
//   h.push_read(ae::chunk(4), [](ae::Handle& h, std::string data) { /* ... */ });
//   h.push_read(ae::packstring("N"), [](ae::Handle& h, std::string data) { /* ... */ });
//   h.push_write(ae::netstring, "abc");                  // 3:abc,
//
// Not provided: AnyEvent's `cbor` and `storable` types (no CBOR::XS or Storable in C++).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/function.h"
#include "core/stream_filter.h"

namespace ae {

class Handle;
class Regex;
class LineRegexType;

// A raw reader: consumes from the front of h.rbuf() and returns true when done (it is then
// removed from the queue), false to wait for more data. It runs from the Handle's drain loop,
// never inside push_read(), and also when rbuf() is empty (a reader may be done without data:
// chunk(0)); an empty Buffer's data() may then be null. After calling a user callback a reader
// must return at once: the callback may have destroyed the Handle.
using Reader = Function<bool(Handle&)>;

// Makes the filter for starttls() (for TLS: an OpenSSL session in the accept or connect role).
// It runs each time a filter is needed: for the `tls` option once per connection, for
// tls_autostart when TLS was detected.
using FilterFactory = Function<std::unique_ptr<StreamFilter>(Handle&)>;

// ---- line -------------------------------------------------------------------------------------

// line: one line without its end-of-line marker, and the marker (AnyEvent's `line`).
// The default marker is "\n" with an optional "\r" before it (qr/\015?\012/); a string marker is
// matched literally; a regex marker (handle/regex.h) is searched for, and the line is everything
// before the first match. The search resumes where the last one stopped, so a long line costs
// linear time however it arrives. A partial line at end-of-file is never delivered (end-of-file
// with a line reader queued is the fatal EPIPE error).
class LineType {
 public:
  using Callback = Function<void(Handle&, std::string line, std::string eol)>;

  LineType() = default;
  explicit LineType(std::string eol) : literal_(true), eol_(std::move(eol)) {}

  Reader reader(Callback cb) const;

 private:
  bool literal_ = false;
  std::string eol_;
};

// `ae::line` is the default line type; `ae::line("\r\n")` chooses a literal marker and
// `ae::line(ae::Regex("\r?\n\r?\n"))` a regex one (that form needs handle/regex.h).
struct LineTag {
  using Callback = LineType::Callback;
  Reader reader(Callback cb) const { return LineType().reader(std::move(cb)); }
  LineType operator()(std::string_view eol) const { return LineType(std::string(eol)); }
  LineType operator()(const char* eol) const { return LineType(std::string(eol)); }
  LineRegexType operator()(const Regex& eol) const;  // defined by //handle:regex
};
inline constexpr LineTag line{};

// ---- chunk ------------------------------------------------------------------------------------

// chunk(n): exactly n bytes (AnyEvent's `chunk`); n == 0 delivers "" at once.
class ChunkType {
 public:
  using Callback = Function<void(Handle&, std::string data)>;
  explicit ChunkType(std::size_t n) : n_(n) {}
  Reader reader(Callback cb) const;

 private:
  std::size_t n_;
};
inline ChunkType chunk(std::size_t n) { return ChunkType(n); }

// ---- netstring --------------------------------------------------------------------------------

// netstring: D. J. Bernstein's `length:data,` (AnyEvent's `netstring`). Reading: a length with a
// leading zero (other than "0" itself), a non-digit before ':', more than 18 digits or a missing
// ',' raise a non-fatal EBADMSG; after a missing ',' the message is dropped (the error says so),
// after a bad length the reader stays queued. Writing: push_write(ae::netstring, bytes).
struct NetstringType {
  using Callback = Function<void(Handle&, std::string data)>;
  using Value = std::string_view;
  Reader reader(Callback cb) const;
  std::string encode(std::string_view data) const;
};
inline constexpr NetstringType netstring{};

// ---- packstring -------------------------------------------------------------------------------

// packstring(format): a length in a Perl pack integer format, then that many bytes (AnyEvent's
// `packstring`). Formats: c C (8 bit), s S (16), l L (32), q Q (64), i I (int, 32), j J (64),
// n N (16/32 big-endian), v V (16/32 little-endian), w (BER compressed integer); `!` after
// s S l L i I means the native short/long/int size and after n N v V a signed value; `<` or `>`
// after s S l L q Q i I j J force little- or big-endian (native: little on x86). Reading: a
// negative length or a BER number that overflows 64 bits raises a non-fatal EBADMSG and the
// reader stays queued. Writing: push_write(ae::packstring("N"), bytes).
// Errors: std::invalid_argument for an unknown format (when the type is made), and when writing,
// for data longer than the format can express.
class PackstringType {
 public:
  using Callback = Function<void(Handle&, std::string data)>;
  using Value = std::string_view;
  explicit PackstringType(std::string_view format);
  Reader reader(Callback cb) const;
  std::string encode(std::string_view data) const;

  // The parsed format; public for the tests and for custom types reusing it.
  struct Format {
    char type = 'N';
    int size = 4;  // bytes; 0 for BER
    bool big_endian = true;
    bool is_signed = false;
  };
  const Format& format() const noexcept { return format_; }

 private:
  Format format_;
};
inline PackstringType packstring(std::string_view format) { return PackstringType(format); }

// ---- tls_detect, tls_autostart ----------------------------------------------------------------

// tls_detect: looks at the first bytes without consuming them (AnyEvent's `tls_detect`): an
// SSL 3/TLS handshake record (0x16 0x03|0x04 minor len_hi<=0x40) or an SSLv2-compatible client
// hello (>=0x80 len 0x01 0x03|0x04 minor) calls back with tls = true and the record's version
// (3.1 for TLS 1.0 records); anything else calls back with tls = false, major = minor = 0. Waits
// while the bytes seen so far could still be either.
struct TlsDetectType {
  using Callback = Function<void(Handle&, bool tls, int major, int minor)>;
  Reader reader(Callback cb) const;
};
inline constexpr TlsDetectType tls_detect{};

// tls_autostart(factory): tls_detect, then starttls(factory(h)) when the bytes are TLS (AnyEvent's
// `tls_autostart`, for servers that accept TLS and plain text on one port). On plain text it does
// nothing, and the bytes stay for the next reader. Use with push_read(Reader) / unshift_read.
Reader tls_autostart(FilterFactory factory);

// The protocols read and write types follow (see the file comment).
template <class T>
concept ReadType = requires(const T& type, typename T::Callback cb) {
  { type.reader(std::move(cb)) } -> std::convertible_to<Reader>;
};

template <class T>
concept WriteType = requires(const T& type, const typename T::Value& value) {
  { type.encode(value) } -> std::convertible_to<std::string>;
};

// Remembers how far an incremental reader scanned h.rbuf() without finding what it looks for,
// so that the next call scans only the bytes that arrived since: a reader that rescans the whole
// buffer on every read costs quadratic time when a peer sends a long message in small pieces.
// The mark is void once anyone consumed from the front of rbuf() (it then starts over at 0).
//   [mark = ae::ScanMark()](ae::Handle& h) mutable {
//     std::size_t from = mark.from(h);
//     ... scan h.rbuf().view() from `from`; not found: mark.save(h, h.rbuf().size()) ...
//   }
class ScanMark {
 public:
  // The number of leading bytes of h.rbuf() already scanned, or 0 when the buffer changed in
  // front since save().
  std::size_t from(Handle& h) const noexcept;
  void save(Handle& h, std::size_t scanned) noexcept;

  // The bytes scanned in vain on this thread since it began: for every save(), the bytes from
  // what from() returned to `scanned`. (A scan that finds its end looks at no more bytes than
  // the reader then consumes.) Tests read it to prove that a message arriving in small pieces
  // is scanned in linear work, by counting rather than by timing a loaded machine.
  static std::uint64_t bytes_scanned_for_test() noexcept;

 private:
  std::uint64_t start_ = ~std::uint64_t{0};
  std::size_t scanned_ = 0;
  mutable std::size_t from_ = 0;  // what from() returned last, for the count above
};

}  // namespace ae
