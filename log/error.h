// The error category of //log: what configure() and the targets report when a specification or
// a log destination cannot be used.
//
// Example:
//   ae::Result<std::size_t> r = ae::log::configure("filter=loud");
//   if (!r && r.code() == ae::log::Errc::kParseError) std::cerr << r.message() << "\n";
#pragma once

#include <system_error>

namespace ae::log {

enum class Errc {
  // An AE_LOG specification (or AE_VERBOSE value) is malformed; the message names the bad part.
  kParseError = 1,
};

// The category of Errc ("ae::log").
const std::error_category& error_category() noexcept;

std::error_code make_error_code(Errc e) noexcept;

}  // namespace ae::log

template <>
struct std::is_error_code_enum<ae::log::Errc> : std::true_type {};
