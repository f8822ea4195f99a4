#include "log/error.h"

#include <string>

namespace ae::log {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ae.log"; }
  std::string message(int code) const override {
    switch (static_cast<Error>(code)) {
      case Error::kParseError:
        return "malformed log specification";
    }
    return "unknown ae.log error";
  }
};

}  // namespace

const std::error_category& log_category() noexcept {
  static const Category category;
  return category;
}

std::error_code make_error_code(Error e) noexcept {
  return std::error_code(static_cast<int>(e), log_category());
}

}  // namespace ae::log
