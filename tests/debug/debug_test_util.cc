#include "tests/debug/debug_test_util.h"

namespace ae::debug_test {

DebugLines::DebugLines() : state_(std::make_shared<State>()) {
  target_.log_cb([state = state_](std::string_view, const ae::log::Message& m) {
    std::lock_guard lock(state->mu);
    state->lines.push_back(std::string(ae::log::level_name(m.level)) + ": " + std::string(m.text));
    return true;
  });
  ae::log::ctx("ae::debug").attach(target_);
}

DebugLines::~DebugLines() { ae::log::ctx("ae::debug").detach(target_); }

std::vector<std::string> DebugLines::lines() const {
  std::lock_guard lock(state_->mu);
  return state_->lines;
}

std::size_t DebugLines::count(const std::string& needle) const {
  std::lock_guard lock(state_->mu);
  std::size_t n = 0;
  for (const std::string& l : state_->lines) n += l.find(needle) != std::string::npos;
  return n;
}

}  // namespace ae::debug_test
