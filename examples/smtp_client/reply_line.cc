#include "examples/smtp_client/reply_line.h"

namespace ae::examples {

std::optional<ReplyLine> parse_reply_line(std::string_view line) {
  auto digit = [&](std::size_t i, char low) { return line[i] >= low && line[i] <= '9'; };
  if (line.size() < 3 || !digit(0, '2') || line[0] > '5' || !digit(1, '0') || !digit(2, '0')) {
    return std::nullopt;
  }
  ReplyLine r;
  r.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (line.size() == 3) return r;
  if (line[3] != ' ' && line[3] != '-') return std::nullopt;
  r.more = line[3] == '-';
  r.text = line.substr(4);
  return r;
}

}  // namespace ae::examples
