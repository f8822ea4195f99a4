// ae::log::Error: what configure() and the targets report when a specification or a log
// destination cannot be used (std::error_category "ae.log").
//
// Example:
//   ae::Result<std::size_t> r = ae::log::configure("filter=loud");
//   if (!r && r.code() == ae::log::Error::kParseError) std::cerr << r.message() << "\n";
#pragma once

#include <system_error>

namespace ae::log {

enum class Error {
  // An AE_LOG specification (or AE_VERBOSE value) is malformed; the message names the bad part.
  kParseError = 1,
};

const std::error_category& log_category() noexcept;
std::error_code make_error_code(Error e) noexcept;

}  // namespace ae::log

template <>
struct std::is_error_code_enum<ae::log::Error> : std::true_type {};
