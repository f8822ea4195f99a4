// Domain names in presentation form, checked and split without allocating. Private to //dns.
#pragma once

#include <cstddef>
#include <string_view>

namespace ae::dns_internal {

// Splits `name` ("www.example.com", a trailing dot allowed; "\." and "\DDD" escapes) into its
// unescaped labels, calling on_label(std::string_view) for each; "" and "." are the root (no
// labels). Returns nullptr when the name is well formed, else what is wrong with it (an empty
// label, a label over 63 octets, a name over 255 octets on the wire, a bad escape, a NUL).
template <class OnLabel>
const char* walk_name(std::string_view name, OnLabel&& on_label) {
  if (name.empty() || name == ".") return nullptr;
  char label[63];
  std::size_t length = 0;
  std::size_t wire = 1;  // the root label
  auto flush = [&]() -> const char* {
    if (length == 0) return "empty label in name";
    wire += 1 + length;
    if (wire > 255) return "name over 255 octets";
    on_label(std::string_view(label, length));
    length = 0;
    return nullptr;
  };
  auto add = [&](char c) -> const char* {
    if (length == sizeof label) return "label over 63 octets";
    label[length++] = c;
    return nullptr;
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    const char* why = nullptr;
    if (c == '.') {
      why = flush();
    } else if (c == '\0') {
      why = "NUL octet in name";
    } else if (c != '\\') {
      why = add(c);
    } else if (i + 1 >= name.size()) {
      why = "dangling escape in name";
    } else if (name[i + 1] < '0' || name[i + 1] > '9') {
      why = add(name[++i]);
    } else {
      if (i + 3 >= name.size()) return "short \\DDD escape in name";
      int v = 0;
      for (std::size_t k = 1; k <= 3; ++k) {
        char d = name[i + k];
        if (d < '0' || d > '9') return "bad \\DDD escape in name";
        v = v * 10 + (d - '0');
      }
      if (v > 255) return "\\DDD escape over 255 in name";
      why = add(static_cast<char>(v));
      i += 3;
    }
    if (why != nullptr) return why;
  }
  return length > 0 ? flush() : nullptr;
}

// True when `name` is well formed (see walk_name()).
inline bool valid_name(std::string_view name) {
  return walk_name(name, [](std::string_view) {}) == nullptr;
}

}  // namespace ae::dns_internal
