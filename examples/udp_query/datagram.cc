#include "examples/udp_query/datagram.h"

namespace ae::examples {

std::optional<QueryDatagram> parse_query_datagram(std::string_view d) {
  if (d.ends_with('\n')) d.remove_suffix(1);
  if (d.ends_with('\r')) d.remove_suffix(1);
  std::size_t space = d.find(' ');
  // At most five digits: no overflow before the range check.
  if (space == 0 || space == std::string_view::npos || space > 5) return std::nullopt;
  unsigned id = 0;
  for (char c : d.substr(0, space)) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + static_cast<unsigned>(c - '0');
  }
  std::string_view text = d.substr(space + 1);
  if (id > 65535 || text.empty() || text.find_first_of(" \r\n") != std::string_view::npos) {
    return std::nullopt;
  }
  return QueryDatagram{id, text};
}

std::string format_query_datagram(unsigned id, std::string_view text) {
  return std::to_string(id) + " " + std::string(text) + "\n";
}

}  // namespace ae::examples
