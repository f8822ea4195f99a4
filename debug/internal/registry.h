// The registry of recorded watchers behind ae::debug::watchers(). Private to //debug.
//
// One process-wide table, under one mutex: a record is made by the thread that makes the
// watcher and updated by the thread that runs its loop, and the shell (on any loop) reads it.
// Records are found by id (the shell) and by core's watcher identity (the hooks).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/debug_hook.h"
#include "debug/wrap.h"

namespace ae::debug_internal {

struct Record {
  std::uint64_t id = 0;
  WatcherId node = nullptr;
  LoopId loop = nullptr;
  WatcherType type = WatcherType::kIo;
  ae::SourceLocation where;
  std::string arguments;
  int fd = -1;  // io watchers: for strict mode's check that the fd is still open
  std::uint64_t parent = 0;
  double created = 0;
  std::uint64_t invocations = 0;
  int wrap_level = 0;
  std::optional<bool> trace;     // this watcher's own switch, overriding the global one
  int running = 0;               // nesting depth of its callback
  bool destroyed = false;        // the handle is gone; the record goes when the callback returns
  bool reported_closed = false;  // strict mode logged its fd as closed
  // A vector, not a deque: most records never see an error, and an empty deque allocates.
  std::vector<std::string> errors;
  std::vector<std::string> backtrace;
};

// How many errors a record keeps (AnyEvent::Debug keeps ten).
inline constexpr std::size_t kKeptErrors = 10;

class Registry {
 public:
  std::mutex mutex;
  std::map<std::uint64_t, std::unique_ptr<Record>> by_id;
  std::unordered_map<WatcherId, Record*> by_node;
  std::uint64_t next_id = 1;

  // Under `mutex`: the record of `node`, or nullptr.
  Record* find(WatcherId node) {
    auto it = by_node.find(node);
    return it == by_node.end() ? nullptr : it->second;
  }
  // Under `mutex`: forgets `record`.
  void erase(Record* record) {
    by_node.erase(record->node);
    by_id.erase(record->id);
  }
};

Registry& registry();

// Whether trace lines are written for `r` now (under the registry's mutex).
bool traced(const Record& r) noexcept;
// A snapshot of `r` (under the registry's mutex).
debug::WatcherInfo snapshot(const Record& r);
// The "#12 timer file:line" of `r`.
std::string identity(const Record& r);

// True when `pattern` occurs in `text`; in `pattern`, `*` stands for any run of characters and
// `?` for any one. Linear in the text for each star-free stretch: no backtracking blow-up.
bool pattern_matches(std::string_view pattern, std::string_view text) noexcept;

}  // namespace ae::debug_internal
