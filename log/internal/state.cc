#include "log/internal/state.h"

#include <algorithm>
#include <string>
#include <utility>

#include "log/internal/environment.h"
#include "log/internal/levels.h"
#include "log/internal/targets.h"

namespace ae::log_internal {

constinit NodeBase g_main_base;

namespace {

constexpr std::string_view kLogTitle = "ae::log::LOG";
constexpr std::string_view kFilterTitle = "ae::log::FILTER";
constexpr std::string_view kCollectTitle = "ae::log::COLLECT";

// "a::b::c" -> "a::b"; "a" -> "" (AnyEvent: the name up to the last "::", when there is one
// after at least one character).
std::string_view parent_name(std::string_view name) {
  std::size_t at = name.rfind("::");
  if (at == std::string_view::npos || at == 0) return {};
  return name.substr(0, at);
}

void set_slaves(NodeConfig& cfg, std::vector<std::shared_ptr<Node>> slaves, Garbage& garbage) {
  for (auto& old : cfg.slaves) garbage.add(std::move(old));
  cfg.slaves = std::move(slaves);
}

void reset_config(NodeConfig& cfg, std::string title, Garbage& garbage) {
  cfg.title = std::move(title);
  cfg.mask = kAllLevelBits;
  cfg.cap = 0;
  garbage.add(std::move(cfg.target));
  garbage.add(std::move(cfg.fmt));
  cfg.target = nullptr;
  cfg.fmt = nullptr;
}

State* make_state() {
  auto* s = new State;
  Garbage garbage;  // nothing is released while building the defaults
  std::lock_guard lock(s->mu);
  s->log = std::make_shared<Node>(*s, std::string());
  s->filter = std::make_shared<Node>(*s, std::string());
  s->collect = std::make_shared<Node>(*s, std::string());
  s->main = named_locked(*s, "main", nullptr);
  reset_locked(*s, garbage);
  publish_locked(*s, garbage);
  return s;
}

}  // namespace

State& state() {
  // Never destroyed: messages logged from other objects' destructors at exit still work.
  static State* const s = make_state();
  return *s;
}

State& ready() {
  State& s = state();
  static const bool applied = (apply_environment(s), true);
  (void)applied;
  return s;
}

Node::Node(State& s, std::string registry_name) : name(std::move(registry_name)) {
  if (!s.free_slots.empty()) {
    slot = s.free_slots.back();
    s.free_slots.pop_back();
    s.slots[slot] = this;
  } else {
    slot = static_cast<std::uint32_t>(s.slots.size());
    s.slots.push_back(this);
  }
}

Node::~Node() {
  State& s = state();
  Garbage garbage;
  std::lock_guard lock(s.mu);
  s.slots[slot] = nullptr;
  s.free_slots.push_back(slot);
  // Publish at once, so the old graph (and with it this context's target: an open file, a
  // callback's captures) is released now rather than at the next configuration change.
  publish_locked(s, garbage);
}

std::shared_ptr<Node> named_locked(State& s, std::string_view name, bool* created) {
  if (auto it = s.named.find(name); it != s.named.end()) return it->second;
  // Make the missing ancestors first, outermost first (a loop, not recursion: the name may come
  // from the environment and have any number of parts).
  std::vector<std::string_view> missing{name};
  for (std::string_view p = parent_name(name); !p.empty(); p = parent_name(p)) {
    if (s.named.count(p) != 0) break;
    missing.push_back(p);
  }
  std::shared_ptr<Node> node;
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    std::string_view parent = parent_name(*it);
    std::shared_ptr<Node> slave = parent.empty() ? s.collect : s.named.find(parent)->second;
    node = std::make_shared<Node>(s, std::string(*it));
    node->cfg.title = node->name;
    node->cfg.slaves.push_back(std::move(slave));
    s.named.emplace(node->name, node);
  }
  if (created != nullptr) *created = true;
  return node;
}

std::shared_ptr<Node> anonymous_locked(State& s, std::string title) {
  auto node = std::make_shared<Node>(s, std::string());
  node->cfg.title = std::move(title);
  return node;
}

void reset_locked(State& s, Garbage& garbage) {
  for (auto& [name, node] : s.named) {
    reset_config(node->cfg, name, garbage);
    std::string_view parent = parent_name(name);
    set_slaves(node->cfg, {parent.empty() ? s.collect : s.named.find(parent)->second}, garbage);
  }
  reset_config(s.log->cfg, std::string(kLogTitle), garbage);
  set_slaves(s.log->cfg, {}, garbage);
  s.log->cfg.target = make_stderr_target();

  reset_config(s.filter->cfg, std::string(kFilterTitle), garbage);
  s.filter->cfg.mask = mask_up_to(s.verbose);
  set_slaves(s.filter->cfg, {s.log}, garbage);

  reset_config(s.collect->cfg, std::string(kCollectTitle), garbage);
  set_slaves(s.collect->cfg, {s.filter}, garbage);
}

void publish_locked(State& s, Garbage& garbage) {
  auto graph = std::make_shared<Graph>();
  const std::size_t n = s.slots.size();
  graph->entries.resize(n);
  graph->titles.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Node* node = s.slots[i];
    if (node == nullptr) continue;
    const NodeConfig& cfg = node->cfg;
    Graph::Entry& e = graph->entries[i];
    e.mask = cfg.mask;
    e.cap = cfg.cap;
    e.target = cfg.target.get();
    if (cfg.target) graph->targets.push_back(cfg.target);
    e.fmt = cfg.fmt.get();
    if (cfg.fmt) graph->fmts.push_back(cfg.fmt);
    graph->titles[i] = cfg.title;
    e.title = graph->titles[i];
    e.slaves_begin = static_cast<std::uint32_t>(graph->slaves.size());
    for (const auto& slave : cfg.slaves) graph->slaves.push_back(slave->slot);
    e.slaves_end = static_cast<std::uint32_t>(graph->slaves.size());
  }
  graph->default_fmt = s.default_fmt;
  graph->fatal_exit = s.fatal_exit;

  // A level-L message logged in context c reaches a target exactly when some context with a
  // target is reachable from c through contexts whose masks all let L pass: the walk stops only
  // at masks, and a target that consumes a message has logged it already. Caps change the level
  // targets see, not filtering. So per level, search backwards from the contexts with targets.
  std::vector<std::vector<std::uint32_t>> reverse(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    const Graph::Entry& e = graph->entries[i];
    for (std::uint32_t k = e.slaves_begin; k < e.slaves_end; ++k) {
      reverse[graph->slaves[k]].push_back(i);
    }
  }
  std::vector<std::uint16_t> enabled(n, kFatalBit);
  std::vector<std::uint32_t> work;
  for (int level = 1; level <= 9; ++level) {
    const auto bit = static_cast<std::uint16_t>(1u << level);
    std::vector<bool> reached(n, false);
    for (std::uint32_t i = 0; i < n; ++i) {
      const Graph::Entry& e = graph->entries[i];
      if ((e.mask & bit) != 0 && e.target != nullptr) {
        reached[i] = true;
        work.push_back(i);
      }
    }
    while (!work.empty()) {
      std::uint32_t v = work.back();
      work.pop_back();
      enabled[v] |= bit;
      for (std::uint32_t u : reverse[v]) {
        if (!reached[u] && (graph->entries[u].mask & bit) != 0) {
          reached[u] = true;
          work.push_back(u);
        }
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (Node* node = s.slots[i]) node->enabled.store(enabled[i], std::memory_order_relaxed);
  }
  g_main_base.enabled.store(enabled[s.main->slot], std::memory_order_relaxed);

  garbage.add(s.exchange_graph(std::move(graph)));
}

Node* named_node(State& s, std::string_view name) {
  struct Cache {
    std::string name;
    Node* node = nullptr;
  };
  thread_local Cache cache;
  if (cache.node != nullptr && cache.name == name) return cache.node;
  Garbage garbage;
  std::lock_guard lock(s.mu);
  bool created = false;
  std::shared_ptr<Node> node = named_locked(s, name, &created);
  if (created) publish_locked(s, garbage);
  cache.name.assign(name);
  cache.node = node.get();
  return cache.node;
}

}  // namespace ae::log_internal
