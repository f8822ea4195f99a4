#include "bench/common/result.h"

#include <charconv>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

namespace ae::bench {
namespace {

constexpr std::string_view kResultTag = "result";
constexpr std::string_view kErrorTag = "error";

void check_text(std::string_view text, bool is_key) {
  for (char c : text) {
    if (c == '\t' || c == '\n' || (is_key && c == '=')) {
      throw std::invalid_argument("bench result: bad character in \"" + std::string(text) + "\"");
    }
  }
}

}  // namespace

Result& Result::set(std::string_view key, std::string_view value) {
  check_text(key, true);
  check_text(value, false);
  fields_.insert_or_assign(std::string(key), std::string(value));
  return *this;
}

Result& Result::set(std::string_view key, double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return set(key, buf);
}

Result& Result::set(std::string_view key, std::int64_t value) {
  return set(key, std::to_string(value));
}

void Result::print() const {
  std::string line(kResultTag);
  for (const auto& [key, value] : fields_) {
    line += '\t';
    line += key;
    line += '=';
    line += value;
  }
  line += '\n';
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

std::optional<Fields> parse_result(std::string_view line) {
  if (!line.starts_with(kResultTag)) return std::nullopt;
  line.remove_prefix(kResultTag.size());
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  Fields fields;
  while (!line.empty()) {
    if (line.front() != '\t') return std::nullopt;
    line.remove_prefix(1);
    std::size_t end = line.find('\t');
    std::string_view item = line.substr(0, end);
    line = end == std::string_view::npos ? std::string_view() : line.substr(end);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    fields.insert_or_assign(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
  }
  return fields;
}

int guarded_main(const std::function<void()>& body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    std::printf("%.*s\t%s\n", static_cast<int>(kErrorTag.size()), kErrorTag.data(), e.what());
  } catch (...) {
    std::printf("%.*s\tunknown exception\n", static_cast<int>(kErrorTag.size()), kErrorTag.data());
  }
  std::fflush(stdout);
  return 1;
}

std::int64_t parse_count(std::string_view text, std::string_view what) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    throw std::invalid_argument(std::string(what) + ": expected a positive number, got \"" +
                                std::string(text) + "\"");
  }
  return value;
}

}  // namespace ae::bench
