// Splits a fuzzer's input into the choices a target makes and the bytes it feeds a parser (a
// small stand-in for clang's FuzzedDataProvider, which g++ builds cannot include).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ae::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // One byte from the front (0 when none is left).
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    auto b = static_cast<std::uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  // A number in [0, n) from one byte.
  std::size_t pick(std::size_t n) { return n == 0 ? 0 : byte() % n; }
  // Up to `n` bytes from the front.
  std::string_view take(std::size_t n) {
    std::string_view s = rest_.substr(0, n);
    rest_.remove_prefix(s.size());
    return s;
  }
  // The bytes up to the next `separator` (which is dropped), or all that is left.
  std::string_view take_until(char separator) {
    std::size_t at = rest_.find(separator);
    std::string_view s = rest_.substr(0, at);
    rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + 1);
    return s;
  }
  std::string_view rest() const { return rest_; }
  std::string_view take_rest() { return take(rest_.size()); }

 private:
  std::string_view rest_;
};

// Stops the fuzzer with a crash report when an invariant fails (in every build mode).
#define AE_FUZZ_CHECK(cond)                                                                  \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      __builtin_fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      __builtin_trap();                                                                      \
    }                                                                                        \
  } while (0)

}  // namespace ae::fuzz
