// IDNA for resolve_sockaddr: Unicode host names to their ASCII (punycode) form. Private to //dns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ae::dns_internal {

// Converts a UTF-8 host name label by label: capital letters of ASCII, Latin-1, Greek and
// Cyrillic fold to lower case (no further UTS #46 mapping), then a label with non-ASCII
// characters becomes "xn--" + its RFC 3492 punycode. nullopt for invalid UTF-8 or an encoding
// overflow.
std::optional<std::string> idn_to_ascii(std::string_view name);

// RFC 3492 punycode of a sequence of code points (without the "xn--" prefix).
std::optional<std::string> punycode_encode(const std::u32string& input);

}  // namespace ae::dns_internal
