// ae::http::Headers: the header fields of an HTTP message, as the client and the server share them.
//
// Names compare case-insensitively (RFC 9110 §5.1) and keep the spelling they were added with;
// a name may repeat (Set-Cookie, Via, Cache-Control), and fields keep the order they were added
// or received in. Lookups are linear scans, which beats hashing for the dozen fields a message
// has.
//
// Example:
//   ae::http::Headers h;
//   h.add("Accept", "text/html");
//   h.add("accept", "text/plain");                  // repeats
//   h.set("User-Agent", "ae");                      // replaces every User-Agent
//   h.get("ACCEPT");                                // "text/html" (the first)
//   h.joined("Accept");                             // "text/html, text/plain"
//   h.has_token("Connection", "close");             // false
//   std::string wire;
//   h.append_to(wire);  // "Accept: text/html\r\naccept: text/plain\r\nUser-Agent: ae\r\n"
//
// Errors: add() and set() refuse (std::invalid_argument) a name that is not an RFC 9110 token and a
// value holding CR, LF or NUL, so no caller can smuggle a header line into a message.
// Thread safety: a Headers object is a plain value; share it between threads only read-only.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ae::http {

class Headers {
 public:
  struct Field {
    std::string name;
    std::string value;
    friend bool operator==(const Field&, const Field&) = default;
  };
  using const_iterator = std::vector<Field>::const_iterator;

  Headers() = default;
  // The fields in this order, as add() adds them.
  Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

  // Appends a field, even when one of that name exists.
  // Errors: std::invalid_argument for a bad name or value (see above).
  void add(std::string_view name, std::string_view value);
  // Replaces every field named `name` with one field (where the first one was, else at the end).
  // Errors: as add().
  void set(std::string_view name, std::string_view value);
  // Removes every field named `name`; returns how many there were.
  std::size_t erase(std::string_view name);
  void clear() noexcept { fields_.clear(); }

  bool contains(std::string_view name) const noexcept;
  // The first value of `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  // The first value of `name`, or "" when there is none.
  std::string_view value(std::string_view name) const noexcept;
  // Every value of `name`, in order.
  std::vector<std::string_view> get_all(std::string_view name) const;
  // Every value of `name` joined with ", " (RFC 9110 §5.3; AnyEvent::HTTP joins with ","), "" when
  // there is none. Not meaningful for Set-Cookie, whose values may contain commas: use get_all.
  std::string joined(std::string_view name) const;
  // True when a field named `name` holds `token` as one element of its comma-separated list,
  // compared case-insensitively: has_token("Connection", "close"),
  // has_token("Transfer-Encoding", "chunked").
  bool has_token(std::string_view name, std::string_view token) const noexcept;

  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  const_iterator begin() const noexcept { return fields_.begin(); }
  const_iterator end() const noexcept { return fields_.end(); }

  // Appends "Name: value\r\n" for each field, in order, to `out`.
  void append_to(std::string& out) const;

  friend bool operator==(const Headers&, const Headers&) = default;

 private:
  std::vector<Field> fields_;
};

// ASCII case-insensitive equality (header names, tokens, schemes).
bool iequals(std::string_view a, std::string_view b) noexcept;
// True when `name` is a non-empty RFC 9110 token (a valid header name or method).
bool is_token(std::string_view name) noexcept;
// True when `value` may be sent as a header value: no CR, LF or NUL.
bool is_field_value(std::string_view value) noexcept;

}  // namespace ae::http
