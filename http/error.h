// ae::http::Error: why an HTTP message or exchange failed (std::error_category "ae.http").
//
// The parsers shared by the client and the server report these; the client adds its own (bad
// URLs, redirects, aborts). Errors from below keep their own categories: connect and I/O errors
// are std::errc values, name lookups ae::ResolveError or ae::dns::Error, TLS ae::tls::Error.
//
// Example:
//   if (hdr.error == ae::http::Error::kHeaderTooLarge) std::cerr << "the server's header is
//   huge\n";
#pragma once

#include <system_error>

namespace ae::http {

enum class Error {
  // ---- Messages (both directions) ----
  kBadMessage = 1,  // the start line or a header field is malformed
  kHeaderTooLarge,  // the start line and fields (or the trailer) exceed the header limit
  kBodyTooLarge,    // the body exceeds the body limit
  kBadFraming,      // conflicting or malformed Content-Length / Transfer-Encoding (smuggling)
  kBadChunk,        // malformed chunked transfer coding
  kPartialMessage,  // the stream ended inside a message (before its declared end)
  kBadVersion,      // not HTTP/1.0 or HTTP/1.1
  // ---- The client ----
  kBadUrl,              // the URL cannot be parsed, or has no host
  kUnsupportedScheme,   // not an http or https URL
  kTooManyRedirects,    // more redirects than `recurse` allows
  kBadLocation,         // a redirect's Location cannot be resolved
  kAborted,             // cancelled by the caller (guard, on_header, on_body)
  kBadContentEncoding,  // a gzip or deflate body failed to decode
  kProxyRefused,        // a proxy answered CONNECT with something other than 2xx
  kNoResponse,          // the connection closed before any byte of the response
  kCannotReplayBody,    // a redirect or retry needs a streamed request body sent a second time
};

const std::error_category& http_category() noexcept;
std::error_code make_error_code(Error e) noexcept;

}  // namespace ae::http

template <>
struct std::is_error_code_enum<ae::http::Error> : std::true_type {};
