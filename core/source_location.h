// ae::SourceLocation: where in the program's source a call was written, captured by a default
// argument (`SourceLocation where = SourceLocation::current()`): std::source_location where the
// standard library offers it.
//
// Why an alias and a stand-in: libstdc++ 12 defines std::source_location only when the compiler
// has __builtin_source_location, which clang 14 (the fuzzing and clang-sanitizer toolchain)
// lacks. There the stand-in below is built on __builtin_FILE, __builtin_LINE and
// __builtin_FUNCTION, which as default arguments name the caller's location just the same; its
// function_name() is the bare name ("TestBody"), not g++'s full signature.
//
// Example:
//   void log_here(ae::SourceLocation where = ae::SourceLocation::current()) {
//     std::printf("%s:%u\n", where.file_name(), where.line());
//   }
#pragma once

#include <cstdint>
#include <version>

#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace ae {

#if defined(__cpp_lib_source_location)

using SourceLocation = std::source_location;

#else

class SourceLocation {
 public:
  constexpr SourceLocation() noexcept = default;

  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          std::uint_least32_t line = __builtin_LINE(),
                                          const char* function = __builtin_FUNCTION()) noexcept {
    SourceLocation at;
    at.file_ = file;
    at.line_ = line;
    at.function_ = function;
    return at;
  }

  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }
  constexpr std::uint_least32_t column() const noexcept { return 0; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0;
};

#endif

}  // namespace ae
