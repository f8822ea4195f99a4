// HTTP dates: format_date and parse_date (AnyEvent::HTTP's helpers of the same names).
//
// format_date writes the IMF-fixdate of RFC 9110 §5.6.7, the only form a sender may use.
// parse_date reads what peers actually send, with the algorithm RFC 6265 §5.1.1 gives for cookie
// dates: it finds a time, a day, a month and a year among the words in any order, so it reads
// IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT"), asctime ("Sun Nov  6 08:49:37 1994")
// and the cookie variants ("Wed, 09-Jun-2021 10:18:14 GMT"). Two-digit years 70-99 are 19xx and
// 00-69 are 20xx. Times are UTC.
//
// Example:
//   ae::http::format_date(784111777);                         // "Sun, 06 Nov 1994 08:49:37 GMT"
//   ae::http::parse_date("Sunday, 06-Nov-94 08:49:37 GMT");   // 784111777
//   ae::http::parse_date("yesterday");                        // nullopt
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ae::http {

// `epoch` (seconds since 1970, fractions dropped) as "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_date(double epoch);

// Seconds since 1970 for a date in any of the forms above; nullopt when the text holds no valid
// date (a missing part, a day the month does not have, a year before 1601). Linear in the text.
std::optional<double> parse_date(std::string_view text) noexcept;

}  // namespace ae::http
