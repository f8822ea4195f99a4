// DNS messages on the wire: decoding any message and encoding queries and answers
// (AnyEvent::DNS::dns_unpack / dns_pack, which here can also encode resource records).
//
// The resolver uses parse_message() on every answer; a program that serves DNS or needs the whole
// answer (authority, additional, flags) can use both directions itself.
//
// Example:
//   ae::Result<std::vector<std::uint8_t>> q = ae::dns::encode_query("example.com", 15);
//   ae::Result<ae::dns::Message> m = ae::dns::parse_message(reply_bytes);
//   if (m && m->rcode == ae::dns::kRcodeNxDomain) std::puts("no such name");
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dns/record.h"

namespace ae::dns {

inline constexpr std::uint16_t kRcodeNoError = 0;
inline constexpr std::uint16_t kRcodeFormErr = 1;
inline constexpr std::uint16_t kRcodeServFail = 2;
inline constexpr std::uint16_t kRcodeNxDomain = 3;
inline constexpr std::uint16_t kRcodeNotImp = 4;
inline constexpr std::uint16_t kRcodeRefused = 5;

struct Question {
  std::string name;
  std::uint16_t type = 0;
  std::uint16_t qclass = kClassIn;
};

struct Message {
  std::uint16_t id = 0;
  bool qr = false;  // a response
  std::uint8_t opcode = 0;
  bool aa = false;  // authoritative answer
  bool tc = false;  // truncated
  bool rd = false;  // recursion desired
  bool ra = false;  // recursion available
  bool ad = false;  // authentic data
  bool cd = false;  // checking disabled
  // The response code, including the EDNS extended bits when an OPT record carries them.
  std::uint16_t rcode = kRcodeNoError;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authority;
  std::vector<Record> additional;  // an EDNS OPT record appears here as RrType::kOpt with Raw data
};

// Decodes a message. Compression pointers must point backwards and a name may not exceed 255
// octets, so hostile input cannot loop; every length is checked against the packet.
// Errors: Error::kBadResponse, with a message saying what is malformed.
Result<Message> parse_message(std::span<const std::uint8_t> packet);

// Encodes `message` without name compression. Records are encoded from their data alternative
// (Raw data verbatim); an Address must match the record's type (A: IPv4, AAAA: IPv6).
// Errors: Error::kBadName for a malformed name, Error::kBadResponse for data that does not fit
// its type or a message over 65535 octets.
Result<std::vector<std::uint8_t>> encode_message(const Message& message);

// Encodes a query for one question. With `edns_udp_size` > 0 an OPT record advertises that UDP
// payload size (EDNS0). Errors: as encode_message().
Result<std::vector<std::uint8_t>> encode_query(std::string_view name, std::uint16_t type,
                                               std::uint16_t qclass = kClassIn,
                                               std::uint16_t id = 0, bool recursion_desired = true,
                                               std::uint16_t edns_udp_size = 0);

// Encodes a name in presentation form ("www.example.com", a trailing dot allowed, "\." and
// "\DDD" escapes) to wire form. Errors: Error::kBadName for an empty label, a label over 63
// octets, a name over 255 octets, or a bad escape.
Result<std::vector<std::uint8_t>> encode_name(std::string_view name);

}  // namespace ae::dns
