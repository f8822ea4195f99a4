// LogRef: a context and a level, not owning the context; what AE_LOG checks and calls, and the
// base of ae::log::Logger.
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "log/internal/node_base.h"
#include "log/level.h"

namespace ae::log_internal {

class LogRef {
 public:
  LogRef(const NodeBase* base, Node* node, ae::log::Level level) noexcept
      : base_(base), node_(node), bit_(bit(level)), level_(level.number()) {}

  // One relaxed load and a test.
  bool enabled() const noexcept {
    return (base_->enabled.load(std::memory_order_relaxed) & bit_) != 0;
  }
  explicit operator bool() const noexcept { return enabled(); }

  ae::log::Level level() const noexcept { return level_; }

  // Logs `message` as it is. Returns true when a target logged it.
  bool log(std::string_view message) const {
    return enabled() ? log_text(node_, level_, message) : false;
  }
  // Logs printf(format, ...). Nothing is formatted unless a target will take the message.
  bool operator()(const char* format, ...) const __attribute__((format(printf, 2, 3))) {
    if (!enabled()) return false;
    std::va_list args;
    va_start(args, format);
    bool logged = log_vformat(node_, level_, format, args);
    va_end(args);
    return logged;
  }
  // Logs what `make_message()` returns (anything a std::string_view can be made from); it is
  // called only when a target will take the message.
  template <class F>
  requires std::is_invocable_v<F&>
  bool operator()(F&& make_message) const {
    if (!enabled()) return false;
    const auto& text = make_message();
    return log_text(node_, level_, std::string_view(text));
  }

 private:
  static std::uint16_t bit(ae::log::Level level) noexcept {
    return static_cast<std::uint16_t>(1u << level.number());
  }

  const NodeBase* base_;
  Node* node_;
  std::uint16_t bit_;
  int level_;
};

}  // namespace ae::log_internal
