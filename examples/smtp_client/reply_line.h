// One line of an SMTP reply (RFC 5321, 4.2): three digits, then nothing, a space (the last line)
// or a '-' (more lines follow), then text. A plain scanner, private to smtp_client; fuzzed by
// //tests/fuzz:smtp_reply_line_fuzz.
//
// Example:
//   auto r = parse_reply_line("250-SIZE 33554432");   // {250, more = true, "SIZE 33554432"}
#pragma once

#include <optional>
#include <string_view>

namespace ae::examples {

struct ReplyLine {
  int code = 0;           // 200..599
  bool more = false;      // a '-' after the code: another line of this reply follows
  std::string_view text;  // after the separator
};

// nullopt unless the line starts with a digit 2-5, two more digits, and then ends or goes on
// with ' ' or '-'.
std::optional<ReplyLine> parse_reply_line(std::string_view line);

}  // namespace ae::examples
