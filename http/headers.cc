#include "http/headers.h"

#include <stdexcept>

namespace ae::http {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool is_tchar(unsigned char c) noexcept {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

void check(std::string_view name, std::string_view value) {
  if (!is_token(name)) {
    throw std::invalid_argument("ae::http::Headers: bad header name \"" + std::string(name) + "\"");
  }
  if (!is_field_value(value)) {
    throw std::invalid_argument("ae::http::Headers: the value of " + std::string(name) +
                                " holds CR, LF or NUL");
  }
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_token(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (char c : name) {
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool is_field_value(std::string_view value) noexcept {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

Headers::Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  fields_.reserve(fields.size());
  for (const auto& [name, value] : fields) add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
  check(name, value);
  fields_.push_back({std::string(name), std::string(value)});
}

void Headers::set(std::string_view name, std::string_view value) {
  check(name, value);
  bool placed = false;
  std::size_t out = 0;
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (iequals(fields_[i].name, name)) {
      if (placed) continue;
      fields_[i] = {std::string(name), std::string(value)};
      placed = true;
    }
    if (out != i) fields_[out] = std::move(fields_[i]);
    ++out;
  }
  fields_.resize(out);
  if (!placed) fields_.push_back({std::string(name), std::string(value)});
}

std::size_t Headers::erase(std::string_view name) {
  std::size_t before = fields_.size();
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.name, name); });
  return before - fields_.size();
}

bool Headers::contains(std::string_view name) const noexcept { return get(name).has_value(); }

std::optional<std::string_view> Headers::get(std::string_view name) const noexcept {
  for (const Field& f : fields_) {
    if (iequals(f.name, name)) return std::string_view(f.value);
  }
  return std::nullopt;
}

std::string_view Headers::value(std::string_view name) const noexcept {
  return get(name).value_or(std::string_view());
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const Field& f : fields_) {
    if (iequals(f.name, name)) values.push_back(f.value);
  }
  return values;
}

std::string Headers::joined(std::string_view name) const {
  std::string out;
  bool first = true;
  for (const Field& f : fields_) {
    if (!iequals(f.name, name)) continue;
    if (!first) out += ", ";
    out += f.value;
    first = false;
  }
  return out;
}

bool Headers::has_token(std::string_view name, std::string_view token) const noexcept {
  for (const Field& f : fields_) {
    if (!iequals(f.name, name)) continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view element = trim(rest.substr(0, comma));
      // A parameter (";q=0") is not part of the token.
      element = trim(element.substr(0, element.find(';')));
      if (iequals(element, token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

void Headers::append_to(std::string& out) const {
  for (const Field& f : fields_) {
    out += f.name;
    out += ": ";
    out += f.value;
    out += "\r\n";
  }
}

}  // namespace ae::http
