// HTTP request methods (RFC 9110 §9): which are idempotent, and what a method may be. Methods are
// case-sensitive tokens kept as text, so WebDAV's and anyone's extension methods need no
// registration.
//
// Example:
//   ae::http::is_idempotent("PUT");    // true: a request that failed may be sent again
//   ae::http::is_idempotent("POST");   // false
#pragma once

#include <string_view>

namespace ae::http {

// True for the methods AnyEvent::HTTP's %IDEMPOTENT lists: GET HEAD PUT DELETE OPTIONS TRACE and
// the WebDAV methods that are idempotent (PROPFIND PROPPATCH MKCOL COPY MOVE LOCK UNLOCK ...).
// Such a request may be retried on a fresh connection when a reused one failed before any byte of
// the response arrived.
bool is_idempotent(std::string_view method) noexcept;

// True for the safe methods of RFC 9110 §9.2.1: GET, HEAD, OPTIONS and TRACE.
bool is_safe(std::string_view method) noexcept;

}  // namespace ae::http
