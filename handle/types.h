// The read and write types of ae::Handle (AnyEvent::Handle's `push_read(type => ...)` and
// `push_write(type => ...)`): line, chunk, regex, netstring, packstring, json, tls_detect,
// tls_autostart, and the registry of named types.
//
// A read type turns a callback into an ae::Handle::Reader, the raw reader AnyEvent calls a
// "read callback": it looks at h.rbuf(), consumes what it needs from the front, calls the
// callback and returns true when it is done, or returns false to be called again when more data
// arrived. A write type turns values into the bytes to write. Both plug into Handle without
// touching it: any object with `reader(Callback)` and a nested `Callback` type is a read type, any
// object with `encode(args...)` returning std::string is a write type.
//
// Example:
//   h.push_read(ae::line, [](ae::Handle& h, std::string line, std::string eol) { ... });
//   h.push_read(ae::line("\r\n.\r\n"), cb);             // a literal delimiter
//   h.push_read(ae::chunk(4), [](ae::Handle& h, std::string data) { ... });
//   h.push_read(ae::packstring("N"), [](ae::Handle& h, std::string data) { ... });
//   h.push_read(ae::json, [](ae::Handle& h, nlohmann::json v) { ... });
//   h.push_write(ae::json, {{"hello", "world"}});       // {"hello":"world"}
//   h.push_write(ae::netstring, "abc");                  // 3:abc,
//
// Not provided: AnyEvent's `cbor` and `storable` types (no CBOR::XS or Storable in C++), and its
// `json => $coder` / `cbor => $coder` options (the json type always uses nlohmann/json); a program
// that wants another encoding registers its own named type or writes its own read type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <system_error>

#include <nlohmann/json.hpp>

#include "core/function.h"
#include "core/stream_filter.h"

namespace ae {

class Handle;

// A raw reader: consumes from the front of h.rbuf() and returns true when done (it is then
// removed from the queue), false to wait for more data. It runs from the Handle's drain loop,
// never inside push_read(). After calling a user callback a reader must return at once: the
// callback may have destroyed the Handle.
using Reader = Function<bool(Handle&)>;

// Makes the filter for starttls() (for TLS: an OpenSSL session in the accept or connect role).
// It runs each time a filter is needed: for the `tls` option once per connection, for
// tls_autostart when TLS was detected.
using FilterFactory = Function<std::unique_ptr<StreamFilter>(Handle&)>;

// ---- line -------------------------------------------------------------------------------------

// line: one line without its end-of-line marker, and the marker (AnyEvent's `line`).
// The default marker is "\n" with an optional "\r" before it (qr/\015?\012/). A string marker is
// matched literally; a regex marker is searched for, and the line is everything before the first
// match. A partial line at end-of-file is never delivered (end-of-file with a line reader queued
// is the fatal EPIPE error).
class LineType {
 public:
  using Callback = Function<void(Handle&, std::string line, std::string eol)>;

  LineType() = default;
  explicit LineType(std::string eol) : kind_(Kind::kString), eol_(std::move(eol)) {}
  explicit LineType(std::regex eol) : kind_(Kind::kRegex), regex_(std::move(eol)) {}

  Reader reader(Callback cb) const;

 private:
  enum class Kind { kDefault, kString, kRegex };
  Kind kind_ = Kind::kDefault;
  std::string eol_;
  std::regex regex_;
};

// `ae::line` is the default line type; `ae::line("\r\n")` or `ae::line(std::regex(...))` choose
// the marker.
struct LineTag {
  using Callback = LineType::Callback;
  Reader reader(Callback cb) const { return LineType().reader(std::move(cb)); }
  LineType operator()(std::string_view eol) const { return LineType(std::string(eol)); }
  LineType operator()(const char* eol) const { return LineType(std::string(eol)); }
  LineType operator()(std::regex eol) const { return LineType(std::move(eol)); }
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

// ---- regex ------------------------------------------------------------------------------------

// regex(accept[, reject[, skip]]) (AnyEvent's `regex`): when `accept` matches anywhere in the
// read buffer, everything up to the end of the match (after any bytes `skip` set aside) is
// delivered. Otherwise, when `reject` matches, a non-fatal EBADMSG error is raised and the reader
// stays queued. Otherwise, when `skip` matches, the bytes up to the end of its match are set aside
// for the result, so they are not searched again (use it to keep long inputs linear).
// The patterns are std::regex (ECMAScript) searched over the whole buffer: like Perl's, a pattern
// that backtracks over long inputs is slow, so bound the buffer with rbuf_max. (Perl's match
// variables have no equivalent here: match the delivered data again for capture groups.)
class RegexType {
 public:
  using Callback = Function<void(Handle&, std::string data)>;
  RegexType(std::regex accept, std::optional<std::regex> reject, std::optional<std::regex> skip)
      : accept_(std::move(accept)), reject_(std::move(reject)), skip_(std::move(skip)) {}
  Reader reader(Callback cb) const;

 private:
  std::regex accept_;
  std::optional<std::regex> reject_;
  std::optional<std::regex> skip_;
};
inline RegexType regex(std::regex accept, std::optional<std::regex> reject = std::nullopt,
                       std::optional<std::regex> skip = std::nullopt) {
  return RegexType(std::move(accept), std::move(reject), std::move(skip));
}
// The same with ECMAScript pattern strings; an empty reject or skip pattern means none.
// Errors: std::regex_error for an invalid pattern.
RegexType regex(std::string_view accept, std::string_view reject = {}, std::string_view skip = {});

// ---- netstring --------------------------------------------------------------------------------

// netstring: D. J. Bernstein's `length:data,` (AnyEvent's `netstring`). Reading: a length with a
// leading zero (other than "0" itself), a non-digit before ':', more than 18 digits or a missing
// ',' raise a non-fatal EBADMSG; after a missing ',' the message is dropped (the error says so),
// after a bad length the reader stays queued. Writing: push_write(ae::netstring, bytes).
struct NetstringType {
  using Callback = Function<void(Handle&, std::string data)>;
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

// ---- json -------------------------------------------------------------------------------------

// json: one JSON array or object (UTF-8) at a time, with nlohmann/json (AnyEvent's `json`).
// Texts may follow each other without separators; whitespace between them is skipped. A text
// that is not an array or object, or does not parse, raises a non-fatal EBADMSG after the bad
// bytes are skipped (up to the next '[' or '{' for a bad start, the whole bracketed span
// otherwise); the reader stays queued. Unlike AnyEvent, an incomplete text stays in rbuf while it
// arrives (found in linear time), so rbuf_max limits its size.
// Writing: push_write(ae::json, value) writes compact UTF-8 with no newlines.
// Errors (writing): nlohmann::json::type_error for strings that are not valid UTF-8.
struct JsonType {
  using Callback = Function<void(Handle&, nlohmann::json value)>;
  Reader reader(Callback cb) const;
  std::string encode(const nlohmann::json& value) const;
};
inline constexpr JsonType json{};

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

// ---- named types ------------------------------------------------------------------------------

// AnyEvent's register_read_type / register_write_type: types looked up by name, with their
// arguments and results as JSON (byte strings are JSON strings holding the raw bytes).
//
// Built in (the same behaviour as the typed forms above):
//   read  "line"       args [] or [eol]            values [line, eol]
//   read  "chunk"      args [n]                    values [data]
//   read  "regex"      args [accept(, reject(, skip))]  values [data]
//   read  "netstring"  args []                     values [data]
//   read  "packstring" args [format]               values [data]
//   read  "json"       args []                     values [value]
//   read  "tls_detect" args []                     values [tls, major, minor]
//   write "netstring"  args [data] · "packstring" args [format, data] · "json" args [value]
//
// Thread safety: registering and looking up may happen on any thread.

// The callback of a named read type.
using NamedReadCallback = Function<void(Handle&, nlohmann::json values)>;
// Makes the reader of a named type from its arguments and callback.
// Errors: it may throw std::invalid_argument for bad arguments; push_read passes that on.
using NamedReadFactory = Function<Reader(const nlohmann::json& args, NamedReadCallback cb)>;
// Makes the bytes of a named write type from its arguments.
using NamedWriteFactory = Function<std::string(const nlohmann::json& args)>;

// Registers (or replaces) a named type.
void register_read_type(std::string name, NamedReadFactory factory);
void register_write_type(std::string name, NamedWriteFactory factory);

// Looks a named type up and makes its reader / bytes.
// Errors: std::invalid_argument for an unknown name or bad arguments.
Reader make_named_reader(std::string_view name, const nlohmann::json& args, NamedReadCallback cb);
std::string make_named_write(std::string_view name, const nlohmann::json& args);

// The protocols read and write types follow (see the file comment).
template <class T>
concept ReadType = requires(const T& type, typename T::Callback cb) {
  { type.reader(std::move(cb)) } -> std::convertible_to<Reader>;
};

template <class T, class... Args>
concept WriteType = requires(const T& type, Args&&... args) {
  { type.encode(std::forward<Args>(args)...) } -> std::convertible_to<std::string>;
};

}  // namespace ae
