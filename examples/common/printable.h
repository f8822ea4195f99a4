// Text from a peer made safe for a terminal or a log: what could move the cursor, change
// colours, set a window title or ring a bell becomes '?'.
//
// Replaced: the C0 controls (0x00-0x1F, ESC and BEL among them), DEL (0x7F), the C1 controls
// U+0080-U+009F (CSI is U+009B) whether they come as UTF-8 (C2 80..C2 9F) or as single bytes
// (0x80-0x9F, which terminals in an 8-bit mode obey), and every byte that is not part of a
// well-formed UTF-8 sequence (one '?' each). Kept: printable ASCII and well-formed UTF-8 for
// U+00A0 and above, so names in any script pass unchanged.
//
// Example:
//   std::printf("%s\n", ae::examples::printable(line).c_str());
#pragma once

#include <string>
#include <string_view>

namespace ae::examples {

// With `keep_newlines`, "\r\n" becomes "\n" and '\n' and '\t' are kept.
std::string printable(std::string_view text, bool keep_newlines = false);

}  // namespace ae::examples
