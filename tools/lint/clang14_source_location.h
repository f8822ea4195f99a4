// Forced into every file clang-tidy reads (tools/lint.sh), never into a build.
//
// libstdc++ 12 defines std::source_location only for compilers with __builtin_source_location,
// which clang 14 (Debian 12's clang-tidy) lacks, so without this every file that includes a core
// header fails to parse. The analysis needs the type's shape, not real file names and lines.
#pragma once

#include <cstdint>

#if defined(__clang__) && !__has_builtin(__builtin_source_location)
namespace std {
struct source_location {
  static constexpr source_location current() noexcept { return {}; }
  constexpr uint_least32_t line() const noexcept { return 0; }
  constexpr uint_least32_t column() const noexcept { return 0; }
  constexpr const char* file_name() const noexcept { return ""; }
  constexpr const char* function_name() const noexcept { return ""; }
};
}  // namespace std
#endif
