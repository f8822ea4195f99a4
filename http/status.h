// HTTP status codes: reason phrases and which statuses carry a body (RFC 9110 §15), shared by the
// client and the server.
//
// Example:
//   ae::http::reason_phrase(404);           // "Not Found"
//   ae::http::status_has_body(304);         // false
#pragma once

#include <string_view>

namespace ae::http {

// The standard reason phrase of `status` (RFC 9110, plus 429 and 431 of RFC 6585 and 308), or ""
// for a status that has none.
std::string_view reason_phrase(int status) noexcept;

// False for the statuses whose responses never carry a body, whatever their headers say:
// 1xx, 204 No Content and 304 Not Modified (RFC 9112 §6.3).
bool status_has_body(int status) noexcept;

}  // namespace ae::http
