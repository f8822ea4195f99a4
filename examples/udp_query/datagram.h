// The datagrams of udp_query's protocol: "ID TEXT", ID a decimal number 0-65535 and TEXT one
// word (no space, CR or LF), with an optional line end after it. A plain scanner, private to
// udp_query; fuzzed by //tests/fuzz:udp_query_datagram_fuzz.
//
// Example:
//   auto d = parse_query_datagram("7 alpha\n");   // {7, "alpha"}
//   format_query_datagram(7, "1");                // "7 1\n"
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ae::examples {

struct QueryDatagram {
  unsigned id = 0;        // 0..65535
  std::string_view text;  // one word, never empty
};

// nullopt for anything that is not "ID TEXT" as above (no leading zeros rule: "007" is 7).
std::optional<QueryDatagram> parse_query_datagram(std::string_view datagram);

// "ID TEXT\n".
std::string format_query_datagram(unsigned id, std::string_view text);

}  // namespace ae::examples
