// The process-wide state of //log: every context, the immutable snapshot of the graph that
// logging calls walk, and the lock that serialises configuration changes.
//
// Configuration is written under State::mu into each Node's `cfg`; every change then compiles a
// new Graph (plain arrays, indexed by each node's slot) and publishes it atomically, and rewrites
// every node's cached `enabled` bits. A logging call never takes State::mu: it loads the current
// Graph once and walks it, so a message sees one configuration as a whole, and callbacks may
// log or reconfigure freely.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "log/internal/node_base.h"
#include "log/level.h"
#include "log/message.h"

namespace ae::log_internal {

// What a context logs to (its log_cb).
class Target {
 public:
  virtual ~Target() = default;
  // Writes one message; returns true when it consumed it. `formatted` is empty when
  // uses_formatted() is false.
  virtual bool write(std::string_view formatted, const ae::log::Message& message) = 0;
  // False for targets that format the message themselves (syslog).
  virtual bool uses_formatted() const noexcept { return true; }
};

// A context's configuration, written only under State::mu.
struct NodeConfig {
  std::string title;
  std::uint16_t mask = kAllLevelBits;
  int cap = 0;
  std::vector<std::shared_ptr<Node>> slaves;
  std::shared_ptr<Target> target;
  std::shared_ptr<const ae::log::Formatter> fmt;
};

struct State;

struct Node : NodeBase {
  // Takes a slot in `s` (under State::mu, which the caller holds).
  Node(State& s, std::string registry_name);
  // Gives the slot back (takes State::mu: never let the last reference go while holding it).
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // The name in State::named; empty for anonymous contexts.
  const std::string name;
  std::uint32_t slot = 0;
  NodeConfig cfg;  // guarded by State::mu
};

// An immutable snapshot of every context's configuration.
struct Graph {
  struct Entry {
    std::uint16_t mask = 0;  // 0 for a free slot: nothing passes
    int cap = 0;
    Target* target = nullptr;
    const ae::log::Formatter* fmt = nullptr;
    std::string_view title;
    std::uint32_t slaves_begin = 0;
    std::uint32_t slaves_end = 0;
  };
  std::vector<Entry> entries;
  std::vector<std::uint32_t> slaves;
  std::vector<std::string> titles;  // sized once, so the views in entries stay valid
  // Keep what the entries point to alive for as long as a logging call uses this snapshot.
  std::vector<std::shared_ptr<Target>> targets;
  std::vector<std::shared_ptr<const ae::log::Formatter>> fmts;
  std::shared_ptr<const ae::log::Formatter> default_fmt;    // nullptr: default_format()
  std::shared_ptr<const std::function<void()>> fatal_exit;  // nullptr: std::exit(1)
};

// Things released by a configuration change. Declared before the lock_guard, so they are
// destroyed after State::mu is released: a dying Node takes the lock, and a user callback's
// destructor may do anything.
struct Garbage {
  std::vector<std::shared_ptr<const void>> items;
  template <class T>
  void add(std::shared_ptr<T> p) {
    if (p) items.push_back(std::move(p));
  }
};

struct State {
  std::mutex mu;
  std::vector<Node*> slots;  // guarded by mu; nullptr for a free slot
  std::vector<std::uint32_t> free_slots;
  std::map<std::string, std::shared_ptr<Node>, std::less<>> named;  // guarded by mu
  std::shared_ptr<Node> collect, filter, log;
  std::shared_ptr<Node> main;                               // the named context "main"
  std::shared_ptr<const ae::log::Formatter> default_fmt;    // guarded by mu
  std::shared_ptr<const std::function<void()>> fatal_exit;  // guarded by mu
  ae::log::Level verbose = 4;                               // guarded by mu
  std::string syslog_socket = "/dev/log";                   // guarded by mu
  std::atomic<bool> exact_time{false};

  // The published graph. Guarded by its own short-held mutex rather than
  // std::atomic<std::shared_ptr>: libstdc++ 12's version locks with a bit ThreadSanitizer cannot
  // see, and a message pays a write(2) anyway.
  std::shared_ptr<const Graph> current_graph() const {
    std::lock_guard lock(graph_mu_);
    return graph_;
  }
  std::shared_ptr<const Graph> exchange_graph(std::shared_ptr<const Graph> next) {
    std::lock_guard lock(graph_mu_);
    graph_.swap(next);
    return next;
  }

 private:
  mutable std::mutex graph_mu_;
  std::shared_ptr<const Graph> graph_;
};

// The state with the default graph; made on first use and never destroyed, so logging works
// during static initialisation and destruction too.
State& state();
// state() after the environment (AE_VERBOSE, AE_LOG) was applied once. Public entry points use
// this one.
State& ready();

// ---- Under State::mu ----------------------------------------------------------------------

// The named context `name`, made (with its parents) if needed; then *created is set to true and
// the caller must publish.
std::shared_ptr<Node> named_locked(State& s, std::string_view name, bool* created);
// A new anonymous context.
std::shared_ptr<Node> anonymous_locked(State& s, std::string title);
// Puts every named context and the three default ones back to their defaults.
void reset_locked(State& s, Garbage& garbage);
// Compiles and publishes a new Graph and rewrites every node's enabled bits.
void publish_locked(State& s, Garbage& garbage);

// ---- Without State::mu -------------------------------------------------------------------

// The named context `name` as a raw pointer (named contexts live for ever), cached per thread.
Node* named_node(State& s, std::string_view name);

// Walks the graph from `origin` with a message at `level` (1..9), as AnyEvent::Log::_log does.
// Returns true when a target logged it. Calls the fatal exit for level 1.
bool dispatch(State& s, Node& origin, int level, std::string_view text);

// Reports a problem of //log itself (a log file that cannot be written, ...) at error level in
// the context "ae::log"; when nothing logs that (or it happens while reporting), writes it to
// stderr directly, so it is never lost.
void report(std::string_view what) noexcept;

// Writes all of `data` to `fd`, retrying on EINTR and short writes. Returns 0 or an errno.
int write_all(int fd, std::string_view data) noexcept;

}  // namespace ae::log_internal
