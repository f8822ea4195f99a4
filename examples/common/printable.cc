#include "examples/common/printable.h"

#include <cstddef>
#include <cstdint>

namespace ae::examples {
namespace {

// The length of the well-formed UTF-8 sequence at the front of `s` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), and its code point; 0 when there is none.
std::size_t utf8_sequence(std::string_view s, std::uint32_t* code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t length;
  std::uint32_t cp;
  std::uint32_t min;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return length;
}

}  // namespace

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (keep_newlines && c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
        continue;
      }
      const bool keep = (c >= 0x20 && c != 0x7f) || (keep_newlines && (c == '\n' || c == '\t'));
      out += keep ? static_cast<char>(c) : '?';
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence(text.substr(i), &cp);
    if (n == 0) {
      out += '?';  // a lone byte: a C1 control to an 8-bit terminal, or broken UTF-8
      ++i;
    } else {
      if (cp <= 0x9F) {
        out += '?';  // U+0080..U+009F: the C1 controls spelled in UTF-8
      } else {
        out.append(text.substr(i, n));
      }
      i += n;
    }
  }
  return out;
}

}  // namespace ae::examples
