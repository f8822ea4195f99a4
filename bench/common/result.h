// The result line a benchmark program prints for its driver (bench/common/driver.h), and the
// main() wrapper every benchmark program shares.
//
// A program measures one implementation in its own process (so its RSS is its own) and prints
// one line "result<TAB>key=value<TAB>key=value...", which the driver parses into a table row.
//
// Example:
//   int main(int argc, char** argv) {
//     return ae::bench::guarded_main([&] {
//       ae::bench::Result r;
//       r.set("name", "libev").set("create", 0.47, 2);
//       r.print();
//     });
//   }
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ae::bench {

using Fields = std::map<std::string, std::string, std::less<>>;

class Result {
 public:
  // Sets `key` (no tab, no '=') to `value` (no tab, no newline).
  Result& set(std::string_view key, std::string_view value);
  // Sets `key` to `value` printed with `decimals` digits after the point.
  Result& set(std::string_view key, double value, int decimals);
  Result& set(std::string_view key, std::int64_t value);

  // Prints the line to stdout and flushes it.
  void print() const;

  const Fields& fields() const noexcept { return fields_; }

 private:
  Fields fields_;
};

// The fields of a "result" line, or nothing when `line` is not one.
std::optional<Fields> parse_result(std::string_view line);

// Runs `body`; an exception becomes the line "error<TAB>what" on stdout and exit status 1, so the
// driver shows why a row is missing.
int guarded_main(const std::function<void()>& body);

// Parses a positive count from a command-line argument.
// Errors: std::invalid_argument when `text` is not a positive decimal number.
std::int64_t parse_count(std::string_view text, std::string_view what);

}  // namespace ae::bench
