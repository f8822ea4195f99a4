// FastCGI 1.0 framing: record headers, the record stream reader, the name-value pair encoding,
// and the writers for the records a responder sends. No I/O: bytes in, records and pairs out, so
// the fuzz target drives exactly what the server runs.
//
// Every parser here is linear in its input, allocates at most what the input declares (bounded by
// the 16-bit record length and the caller's limits), and never recurses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace ae::http_internal::fcgi {

inline constexpr std::uint8_t kVersion1 = 1;
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kMaxContent = 65535;

enum RecordType : std::uint8_t {
  kBeginRequest = 1,
  kAbortRequest = 2,
  kEndRequest = 3,
  kParams = 4,
  kStdin = 5,
  kStdout = 6,
  kStderr = 7,
  kData = 8,
  kGetValues = 9,
  kGetValuesResult = 10,
  kUnknownType = 11,
};

enum Role : std::uint16_t { kResponder = 1, kAuthorizer = 2, kFilter = 3 };
inline constexpr std::uint8_t kKeepConn = 1;

enum ProtocolStatus : std::uint8_t {
  kRequestComplete = 0,
  kCantMpxConn = 1,
  kOverloaded = 2,
  kUnknownRole = 3,
};

// One record as it came off the wire; `content` points into the caller's buffer (padding
// excluded).
struct Record {
  std::uint8_t version = 0;
  std::uint8_t type = 0;
  std::uint16_t request_id = 0;
  std::string_view content;
};

// Parses one whole record from the front of `bytes`. Returns the bytes it spans (header, content
// and padding), or 0 when `bytes` does not yet hold all of it. Never fails: any 8 bytes are a
// header, and judging the version and type is the caller's business.
std::size_t parse_record(std::string_view bytes, Record& out) noexcept;

// The body of FCGI_BEGIN_REQUEST. Returns false when `content` is shorter than its 8 bytes.
struct BeginRequest {
  std::uint16_t role = 0;
  std::uint8_t flags = 0;
};
bool parse_begin_request(std::string_view content, BeginRequest& out) noexcept;

// Decodes FastCGI name-value pairs (1-byte lengths, or 4-byte ones with the high bit set) into
// `out`; a later duplicate replaces an earlier one, as FCGI::EV does. Returns false on a
// truncated pair (nothing is promised about `out` then).
bool decode_pairs(std::string_view bytes, std::map<std::string, std::string>& out);

// Appends one name-value pair in the FastCGI encoding.
void encode_pair(std::string& out, std::string_view name, std::string_view value);

// Appends one record (content at most kMaxContent bytes, padded to a multiple of 8 bytes).
void append_record(std::string& out, std::uint8_t type, std::uint16_t request_id,
                   std::string_view content);

// Appends `data` as a stream of records of at most kMaxContent bytes each; empty data appends
// nothing (the empty record closes a stream: append_record(out, type, id, "")).
void append_stream(std::string& out, std::uint8_t type, std::uint16_t request_id,
                   std::string_view data);

// Appends FCGI_END_REQUEST.
void append_end_request(std::string& out, std::uint16_t request_id, std::uint32_t app_status,
                        std::uint8_t protocol_status);

// Appends FCGI_BEGIN_REQUEST (for clients and tests).
void append_begin_request(std::string& out, std::uint16_t request_id, std::uint16_t role,
                          std::uint8_t flags);

}  // namespace ae::http_internal::fcgi
