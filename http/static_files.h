// Serving files: ae::http::static_files, a handler for a document root, and mime_type.
// (ServerResponse::send_file, in http/server.h, serves one file with Range and conditional GET.)
//
// Example (what ae-httpd --root does):
//   ae::http::Router router;
//   router.get("/*path", ae::http::static_files("/srv/www", {.list = true}));
//
// The path is percent-decoded; a path with a ".." segment (also when written %2e%2e), a NUL, or
// one that resolves through a symbolic link to a place outside the root is refused with 404,
// as is a file that cannot be read. A directory is answered with a redirect to its name with a
// trailing '/', then with its index file, else (with `list`) an HTML listing, else 403.
// File bodies go out with sendfile(2) on plain connections (through the Handle on TLS ones).
#pragma once

#include <string>
#include <string_view>

#include "http/router.h"

namespace ae::http {

struct StaticOptions {
  // The file served for a directory.
  std::string index = "index.html";
  // Lists a directory that has no index file (otherwise 403).
  bool list = false;
  // Seconds an opened file (its fd, size, dates, ETag, and where its path led) is reused by later
  // requests on the same loop, as nginx's open_file_cache with open_file_cache_valid: a file that
  // changes or goes away is noticed at most this late. 0: look up and open it for each request.
  double cache_valid = 1;
};

// A handler (for a route whose pattern ends in "*path", or any route: it uses the request's
// whole path) serving files under `root`.
// Errors: std::invalid_argument when `root` is not a directory.
Handler static_files(const std::string& root, StaticOptions options = {});

// The Content-Type for a file name by its extension ("application/octet-stream" when unknown).
std::string_view mime_type(std::string_view file_name) noexcept;

}  // namespace ae::http
