#include "http/internal/fcgi_protocol.h"

namespace ae::http_internal::fcgi {
namespace {

std::uint8_t byte(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v & 0xffff));
}

// Reads one pair length at `pos`; false when the bytes run out.
bool read_length(std::string_view bytes, std::size_t& pos, std::size_t& length) {
  if (pos >= bytes.size()) return false;
  std::uint8_t first = byte(bytes, pos);
  if ((first & 0x80) == 0) {
    length = first;
    pos += 1;
    return true;
  }
  if (bytes.size() - pos < 4) return false;
  length = (static_cast<std::size_t>(first & 0x7f) << 24) |
           (static_cast<std::size_t>(byte(bytes, pos + 1)) << 16) |
           (static_cast<std::size_t>(byte(bytes, pos + 2)) << 8) | byte(bytes, pos + 3);
  pos += 4;
  return true;
}

void put_length(std::string& out, std::size_t length) {
  if (length < 128) {
    out.push_back(static_cast<char>(length));
  } else {
    put32(out, static_cast<std::uint32_t>(length) | 0x80000000u);
  }
}

}  // namespace

std::size_t parse_record(std::string_view bytes, Record& out) noexcept {
  if (bytes.size() < kHeaderSize) return 0;
  std::size_t content_length = (std::size_t{byte(bytes, 4)} << 8) | byte(bytes, 5);
  std::size_t padding = byte(bytes, 6);
  std::size_t total = kHeaderSize + content_length + padding;
  if (bytes.size() < total) return 0;
  out.version = byte(bytes, 0);
  out.type = byte(bytes, 1);
  out.request_id = static_cast<std::uint16_t>((byte(bytes, 2) << 8) | byte(bytes, 3));
  out.content = bytes.substr(kHeaderSize, content_length);
  return total;
}

bool parse_begin_request(std::string_view content, BeginRequest& out) noexcept {
  if (content.size() < 8) return false;
  out.role = static_cast<std::uint16_t>((byte(content, 0) << 8) | byte(content, 1));
  out.flags = byte(content, 2);
  return true;
}

bool decode_pairs(std::string_view bytes, std::map<std::string, std::string>& out) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t name_length = 0;
    std::size_t value_length = 0;
    if (!read_length(bytes, pos, name_length) || !read_length(bytes, pos, value_length)) {
      return false;
    }
    // Compared without adding, so that lengths near 2^31 cannot wrap.
    if (name_length > bytes.size() - pos || value_length > bytes.size() - pos - name_length) {
      return false;
    }
    std::string name(bytes.substr(pos, name_length));
    pos += name_length;
    out.insert_or_assign(std::move(name), std::string(bytes.substr(pos, value_length)));
    pos += value_length;
  }
  return true;
}

void encode_pair(std::string& out, std::string_view name, std::string_view value) {
  put_length(out, name.size());
  put_length(out, value.size());
  out.append(name);
  out.append(value);
}

void append_record(std::string& out, std::uint8_t type, std::uint16_t request_id,
                   std::string_view content) {
  std::size_t padding = (8 - content.size() % 8) % 8;
  out.push_back(static_cast<char>(kVersion1));
  out.push_back(static_cast<char>(type));
  put16(out, request_id);
  put16(out, static_cast<std::uint16_t>(content.size()));
  out.push_back(static_cast<char>(padding));
  out.push_back('\0');
  out.append(content);
  out.append(padding, '\0');
}

void append_stream(std::string& out, std::uint8_t type, std::uint16_t request_id,
                   std::string_view data) {
  while (!data.empty()) {
    std::string_view piece = data.substr(0, kMaxContent);
    append_record(out, type, request_id, piece);
    data.remove_prefix(piece.size());
  }
}

void append_end_request(std::string& out, std::uint16_t request_id, std::uint32_t app_status,
                        std::uint8_t protocol_status) {
  std::string body;
  put32(body, app_status);
  body.push_back(static_cast<char>(protocol_status));
  body.append(3, '\0');
  append_record(out, kEndRequest, request_id, body);
}

void append_begin_request(std::string& out, std::uint16_t request_id, std::uint16_t role,
                          std::uint8_t flags) {
  std::string body;
  put16(body, role);
  body.push_back(static_cast<char>(flags));
  body.append(5, '\0');
  append_record(out, kBeginRequest, request_id, body);
}

}  // namespace ae::http_internal::fcgi
