// Public suffixes ("com", "co.uk", "github.io"): the names under which anyone may register a
// domain, from the Public Suffix List through libpsl. The cookie jar uses them so that no server
// sets a cookie for a whole registry (RFC 6265 §5.3 step 5).
//
// Example:
//   is_public_suffix("co.uk") == true; is_public_suffix("example.co.uk") == false
#pragma once

#include <string_view>

namespace ae::http_internal {

// True when `domain` (lower case, without a leading dot) is a public suffix: listed in the
// list's ICANN or private section, or a top-level name the list does not know (its "*" rule).
// Thread safety: may be called from any thread.
bool is_public_suffix(std::string_view domain);

}  // namespace ae::http_internal
