// Fuzz target for the FastCGI framing: the record stream reader, FCGI_BEGIN_REQUEST bodies and
// name-value pairs, as the responder applies them to bytes from the web server. Checks that
// nothing crashes, that records never claim bytes past the input, and that decoded pairs
// survive encoding and decoding again unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "http/internal/fcgi_protocol.h"

namespace proto = ::ae::http_internal::fcgi;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The whole input as a pair stream.
  std::map<std::string, std::string> pairs;
  if (proto::decode_pairs(input, pairs)) {
    std::string again;
    for (const auto& [name, value] : pairs) proto::encode_pair(again, name, value);
    std::map<std::string, std::string> round_trip;
    if (!proto::decode_pairs(again, round_trip) || round_trip != pairs) std::abort();
  }
  // The input as a record stream, each record's content read as the responder would.
  std::string params;
  proto::Record record;
  while (std::size_t n = proto::parse_record(input, record)) {
    if (n > input.size() || record.content.size() > proto::kMaxContent) std::abort();
    proto::BeginRequest begin;
    if (record.type == proto::kBeginRequest) proto::parse_begin_request(record.content, begin);
    if (record.type == proto::kParams || record.type == proto::kGetValues) {
      params.append(record.content);
      std::map<std::string, std::string> env;
      proto::decode_pairs(params, env);
    }
    input.remove_prefix(n);
  }
  return 0;
}
