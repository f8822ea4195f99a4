// ae::Result<T>: a value or an error (std::error_code plus a message), with std::expected's
// member names, for synchronous calls that can fail for reasons outside the program's control.
//
// Example:
//   ae::Result<std::uint16_t> port = ae::resolve_service("http", "tcp");
//   if (!port) std::cerr << port.message() << "\n"; else use(*port);
//
// Result<void> is the same for a call that gives nothing back but can fail:
//   ae::Result<void> r = ae::tcp_nodelay(fd, true);
//   if (!r) std::cerr << r.message() << "\n";
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace ae {

// The error half of a Result.
struct Error {
  std::error_code code;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit
  Result(std::error_code code, std::string message)
      : v_(std::in_place_index<1>, Error{code, std::move(message)}) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  // The value. Errors: std::system_error carrying the error when there is none.
  T& value() & {
    check();
    return std::get<0>(v_);
  }
  const T& value() const& {
    check();
    return std::get<0>(v_);
  }
  T&& value() && {
    check();
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

  // The error; only meaningful when !has_value().
  const Error& error() const& { return std::get<1>(v_); }
  std::error_code code() const noexcept {
    return has_value() ? std::error_code() : std::get<1>(v_).code;
  }
  const std::string& message() const noexcept {
    static const std::string kNone;
    return has_value() ? kNone : std::get<1>(v_).message;
  }

 private:
  void check() const {
    if (!has_value()) {
      const Error& e = std::get<1>(v_);
      throw std::system_error(e.code, e.message);
    }
  }
  std::variant<T, Error> v_;
};

// A success that carries no value, or an error.
template <>
class [[nodiscard]] Result<void> {
 public:
  // Success.
  Result() noexcept = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit, as Result<T>'s
  Result(std::error_code code, std::string message) : error_(Error{code, std::move(message)}) {}

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }

  // Nothing on success. Errors: std::system_error carrying the error when there is one.
  void value() const {
    if (error_) throw std::system_error(error_->code, error_->message);
  }

  // The error; only meaningful when !has_value().
  const Error& error() const& { return *error_; }
  std::error_code code() const noexcept { return error_ ? error_->code : std::error_code(); }
  const std::string& message() const noexcept {
    static const std::string kNone;
    return error_ ? error_->message : kNone;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace ae
