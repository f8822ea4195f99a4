// The logging call itself: AnyEvent::Log::_log over the published Graph.

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/loop.h"
#include "log/format.h"
#include "log/internal/format_internal.h"
#include "log/internal/state.h"

namespace ae::log_internal {
namespace {

// How deep logging calls are nested on this thread (a log_cb that logs). Only the outermost call
// uses the thread's reusable line buffer.
thread_local int t_depth = 0;

struct DepthGuard {
  DepthGuard() noexcept { ++t_depth; }
  ~DepthGuard() { --t_depth; }
};

struct ErrnoGuard {
  int saved = errno;
  ~ErrnoGuard() { errno = saved; }
};

// The walk's work list: slots to visit, and level-restore markers. Lives on the stack for
// ordinary graphs.
class WorkStack {
 public:
  static constexpr std::uint32_t kMarker = 0x80000000u;

  void push(std::uint32_t v) {
    if (heap_.empty() && size_ < inline_.size()) {
      inline_[size_++] = v;
      return;
    }
    if (heap_.empty()) {
      heap_.assign(inline_.begin(), inline_.begin() + size_);
      size_ = 0;
    }
    heap_.push_back(v);
  }
  bool pop(std::uint32_t& v) {
    if (!heap_.empty()) {
      v = heap_.back();
      heap_.pop_back();
      return true;
    }
    if (size_ == 0) return false;
    v = inline_[--size_];
    return true;
  }

 private:
  std::array<std::uint32_t, 32> inline_;
  std::size_t size_ = 0;
  std::vector<std::uint32_t> heap_;
};

// The contexts a message has visited: it is handled at most once per context. A message visits
// few contexts however many exist, so a short list searched linearly, spilling into a hash set.
class SeenSet {
 public:
  // Marks `slot`; returns false when it was marked already.
  bool insert(std::uint32_t slot) {
    if (!spill_.empty()) return spill_.insert(slot).second;
    for (std::size_t i = 0; i < size_; ++i) {
      if (inline_[i] == slot) return false;
    }
    if (size_ < inline_.size()) {
      inline_[size_++] = slot;
      return true;
    }
    spill_.insert(inline_.begin(), inline_.end());
    return spill_.insert(slot).second;
  }

 private:
  std::array<std::uint32_t, 32> inline_;
  std::size_t size_ = 0;
  std::unordered_set<std::uint32_t> spill_;
};

double message_time(State& s) noexcept {
  if (!s.exact_time.load(std::memory_order_relaxed)) {
    // Never make a loop just to log: a thread without one gets the live clock.
    if (ae::Loop* loop = ae::Loop::current_if_any()) return loop->now();
  }
  return ae::time();
}

[[noreturn]] void default_fatal_exit() { std::exit(1); }

}  // namespace

bool dispatch(State& s, Node& origin, int level, std::string_view text) {
  std::shared_ptr<const Graph> graph = s.current_graph();
  const Graph& g = *graph;
  DepthGuard depth;

  bool logged = false;
  if (origin.slot < g.entries.size()) {
    thread_local std::string t_line;
    std::string nested_line;
    std::string& line = t_depth == 1 ? t_line : nested_line;
    int line_level = 0;  // the level `line` was formatted for; 0 = not yet

    ae::log::Message message;
    message.context = g.entries[origin.slot].title;
    message.text = text;
    bool have_time = false;

    const std::uint16_t bit = static_cast<std::uint16_t>(1u << level);
    int current = level;
    SeenSet seen;
    WorkStack work;
    work.push(origin.slot);
    std::uint32_t item;
    while (work.pop(item)) {
      if ((item & WorkStack::kMarker) != 0) {
        current = static_cast<int>(item & ~WorkStack::kMarker);
        continue;
      }
      const Graph::Entry& e = g.entries[item];
      if ((e.mask & bit) == 0 || !seen.insert(item)) continue;
      if (e.cap > current) {
        work.push(WorkStack::kMarker | static_cast<std::uint32_t>(current));
        current = e.cap;
      }
      bool consumed = false;
      if (e.target != nullptr) {
        if (!have_time) {
          message.time = message_time(s);
          have_time = true;
        }
        message.level = current;
        std::string custom;
        std::string_view formatted;
        if (!e.target->uses_formatted()) {
          // Formats for itself.
        } else if (e.fmt != nullptr || g.default_fmt != nullptr) {
          custom = (e.fmt != nullptr ? *e.fmt : *g.default_fmt)(message);
          formatted = custom;
        } else {
          if (line_level != current) {
            line.clear();
            append_default_format(line, message);
            line_level = current;
          }
          formatted = line;
        }
        logged = true;
        consumed = e.target->write(formatted, message);
      }
      if (!consumed) {
        // Reversed, so the first slave attached is the first one visited.
        for (std::uint32_t k = e.slaves_end; k > e.slaves_begin; --k) work.push(g.slaves[k - 1]);
      }
    }
  }

  if (level == 1) {
    if (g.fatal_exit != nullptr) {
      (*g.fatal_exit)();
    } else {
      default_fatal_exit();
    }
  }
  return logged;
}

bool log_text(Node* node, int level, std::string_view text) {
  if (level < 1 || level > 9) {
    throw std::invalid_argument("ae::log: a message needs a level from 1 (fatal) to 9 (trace)");
  }
  ErrnoGuard keep_errno;
  State& s = ready();
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return dispatch(s, node != nullptr ? *node : *s.main, level, text);
}

bool log_vformat(Node* node, int level, const char* format, std::va_list args) {
  if (level < 1 || level > 9) {
    throw std::invalid_argument("ae::log: a message needs a level from 1 (fatal) to 9 (trace)");
  }
  // Formatted before anything else can change errno, so "%m" works.
  char small[512];
  std::string big;
  std::string_view text;
  std::va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(small, sizeof small, format, copy);
  va_end(copy);
  if (n < 0) {
    big = std::string("(unformattable log message: \"") + format + "\")";
    text = big;
  } else if (static_cast<std::size_t>(n) < sizeof small) {
    text = std::string_view(small, static_cast<std::size_t>(n));
  } else {
    big.resize(static_cast<std::size_t>(n) + 1);
    std::vsnprintf(big.data(), big.size(), format, args);
    big.pop_back();
    text = big;
  }
  return log_text(node, level, text);
}

void report(std::string_view what) noexcept {
  thread_local bool t_reporting = false;
  try {
    if (!t_reporting) {
      t_reporting = true;
      struct Reset {
        ~Reset() { t_reporting = false; }
      } reset;
      State& s = state();
      if (dispatch(s, *named_node(s, "ae::log"), 4, what)) return;
    }
  } catch (...) {
    // Fall through to stderr.
  }
  std::string line = "ae::log: error: ";
  line.append(what).push_back('\n');
  (void)write_all(STDERR_FILENO, line);
}

}  // namespace ae::log_internal
