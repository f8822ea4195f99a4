#include "handle/internal/pack.h"

#include <bit>
#include <stdexcept>

namespace ae::handle_internal {
namespace {

constexpr bool kNativeBig = std::endian::native == std::endian::big;

[[noreturn]] void bad_format(std::string_view format, const char* why) {
  throw std::invalid_argument("ae::packstring: format \"" + std::string(format) + "\" " + why);
}

}  // namespace

PackFormat parse_pack_format(std::string_view format) {
  if (format.empty()) bad_format(format, "is empty");
  PackFormat f;
  f.type = format[0];
  bool bang = false;
  char endian = 0;
  for (char m : format.substr(1)) {
    if (m == '!' && !bang) {
      bang = true;
    } else if ((m == '<' || m == '>') && endian == 0) {
      endian = m;
    } else {
      bad_format(format, "has an unknown or repeated modifier");
    }
  }
  bool endian_ok = false;  // whether < and > are allowed after the type
  bool bang_ok = false;
  f.big_endian = kNativeBig;
  switch (f.type) {
    case 'c':
      f.size = 1, f.is_signed = true;
      break;
    case 'C':
      f.size = 1;
      break;
    case 's':
      f.size = 2, f.is_signed = true, endian_ok = bang_ok = true;
      break;
    case 'S':
      f.size = 2, endian_ok = bang_ok = true;
      break;
    case 'l':
      f.size = bang ? sizeof(long) : 4, f.is_signed = true, endian_ok = bang_ok = true;
      break;
    case 'L':
      f.size = bang ? sizeof(long) : 4, endian_ok = bang_ok = true;
      break;
    case 'q':
      f.size = 8, f.is_signed = true, endian_ok = true;
      break;
    case 'Q':
      f.size = 8, endian_ok = true;
      break;
    case 'i':
      f.size = sizeof(int), f.is_signed = true, endian_ok = bang_ok = true;
      break;
    case 'I':
      f.size = sizeof(int), endian_ok = bang_ok = true;
      break;
    case 'j':
      f.size = 8, f.is_signed = true, endian_ok = true;
      break;
    case 'J':
      f.size = 8, endian_ok = true;
      break;
    case 'n':
      f.size = 2, f.big_endian = true, f.is_signed = bang, bang_ok = true;
      break;
    case 'N':
      f.size = 4, f.big_endian = true, f.is_signed = bang, bang_ok = true;
      break;
    case 'v':
      f.size = 2, f.big_endian = false, f.is_signed = bang, bang_ok = true;
      break;
    case 'V':
      f.size = 4, f.big_endian = false, f.is_signed = bang, bang_ok = true;
      break;
    case 'w':
      f.size = 0, f.big_endian = true;
      break;
    default:
      bad_format(format, "is not an integer format (cCsSlLqQiIjJnNvVw)");
  }
  if (bang && !bang_ok) bad_format(format, "does not take '!'");
  if (endian != 0) {
    if (!endian_ok) bad_format(format, "does not take '<' or '>'");
    f.big_endian = endian == '>';
  }
  return f;
}

PackPrefix decode_pack_length(const PackFormat& f, std::string_view bytes) noexcept {
  PackPrefix r;
  if (f.size == 0) {  // BER: 7 bits per byte, most significant first, high bit = more follow
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      auto b = static_cast<unsigned char>(bytes[i]);
      if ((v >> 57) != 0 || i >= 10) {
        r.status = PackPrefix::Status::kBad;
        r.why = "BER length overflows 64 bits";
        return r;
      }
      v = (v << 7) | (b & 0x7f);
      if ((b & 0x80) == 0) {
        r.status = PackPrefix::Status::kOk;
        r.length = v;
        r.prefix = i + 1;
        return r;
      }
    }
    return r;  // kNeedMore
  }
  auto n = static_cast<std::size_t>(f.size);
  if (bytes.size() < n) return r;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto b = static_cast<unsigned char>(bytes[f.big_endian ? i : n - 1 - i]);
    v = (v << 8) | b;
  }
  if (f.is_signed && (v >> (8 * n - 1)) != 0) {
    r.status = PackPrefix::Status::kBad;
    r.why = "negative length";
    return r;
  }
  r.status = PackPrefix::Status::kOk;
  r.length = v;
  r.prefix = n;
  return r;
}

std::string encode_pack_length(const PackFormat& f, std::uint64_t length) {
  if (f.size == 0) {
    char tmp[10];
    std::size_t i = sizeof tmp;
    tmp[--i] = static_cast<char>(length & 0x7f);
    while ((length >>= 7) != 0) tmp[--i] = static_cast<char>(0x80 | (length & 0x7f));
    return std::string(tmp + i, sizeof tmp - i);
  }
  auto n = static_cast<std::size_t>(f.size);
  unsigned bits = static_cast<unsigned>(8 * n - (f.is_signed ? 1 : 0));
  if (bits < 64 && (length >> bits) != 0) {
    throw std::invalid_argument("ae::packstring: " + std::to_string(length) +
                                " bytes do not fit format '" + std::string(1, f.type) + "'");
  }
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[f.big_endian ? n - 1 - i : i] = static_cast<char>(length & 0xff);
    length >>= 8;
  }
  return out;
}

}  // namespace ae::handle_internal
