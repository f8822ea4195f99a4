#include "http/method.h"

#include <array>

namespace ae::http {

bool is_idempotent(std::string_view method) noexcept {
  static constexpr std::array<std::string_view, 22> kIdempotent = {"GET",
                                                                   "HEAD",
                                                                   "PUT",
                                                                   "DELETE",
                                                                   "OPTIONS",
                                                                   "TRACE",
                                                                   "SEARCH",
                                                                   "PROPFIND",
                                                                   "PROPPATCH",
                                                                   "MKCOL",
                                                                   "COPY",
                                                                   "MOVE",
                                                                   "LOCK",
                                                                   "UNLOCK",
                                                                   "ACL",
                                                                   "REPORT",
                                                                   "VERSION-CONTROL",
                                                                   "CHECKIN",
                                                                   "CHECKOUT",
                                                                   "UNCHECKOUT",
                                                                   "MKWORKSPACE",
                                                                   "MKACTIVITY"};
  for (std::string_view m : kIdempotent) {
    if (m == method) return true;
  }
  return false;
}

bool is_safe(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

}  // namespace ae::http
