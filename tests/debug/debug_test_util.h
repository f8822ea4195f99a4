// What the //debug tests share: the lines //debug logs, captured from the context "ae::debug".
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "log/log.h"

namespace ae::debug_test {

// Attaches a recording target to the context "ae::debug" (every level) for its lifetime.
class DebugLines {
 public:
  DebugLines();
  ~DebugLines();
  DebugLines(const DebugLines&) = delete;
  DebugLines& operator=(const DebugLines&) = delete;

  // Every message text so far, as "level: text".
  std::vector<std::string> lines() const;
  // The number of lines containing `needle`.
  std::size_t count(const std::string& needle) const;

 private:
  struct State {
    mutable std::mutex mu;
    std::vector<std::string> lines;
  };
  std::shared_ptr<State> state_;
  ae::log::Context target_;
};

}  // namespace ae::debug_test
