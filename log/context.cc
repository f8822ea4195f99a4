#include "log/context.h"

#include <algorithm>
#include <cstdarg>
#include <stdexcept>
#include <utility>

#include "log/internal/levels.h"
#include "log/internal/mutate.h"
#include "log/internal/state.h"
#include "log/internal/syslog_target.h"
#include "log/internal/targets.h"

namespace ae::log_internal {

void set_target_locked(NodeConfig& cfg, std::shared_ptr<Target> target, Garbage& garbage) {
  garbage.add(std::move(cfg.target));
  cfg.target = std::move(target);
}

void attach_locked(NodeConfig& cfg, std::shared_ptr<Node> slave) {
  if (std::find(cfg.slaves.begin(), cfg.slaves.end(), slave) == cfg.slaves.end()) {
    cfg.slaves.push_back(std::move(slave));
  }
}

void detach_all_locked(NodeConfig& cfg, Garbage& garbage) {
  for (auto& slave : cfg.slaves) garbage.add(std::move(slave));
  cfg.slaves.clear();
}

}  // namespace ae::log_internal

namespace ae::log {

using log_internal::Garbage;
using log_internal::mutate;
using log_internal::Node;
using log_internal::State;

// ---- LogFile --------------------------------------------------------------------------------

const std::string& LogFile::path() const noexcept { return file_->path(); }

ae::Result<void> LogFile::reopen() { return file_->reopen(); }

// ---- Logger ---------------------------------------------------------------------------------

namespace {
// What a default-constructed Logger points at: no level is ever enabled.
constinit log_internal::NodeBase g_never{0};
}  // namespace

Logger::Logger() noexcept : LogRef(&g_never, nullptr, Level::off()) {}

Logger::Logger(std::shared_ptr<Node> node, Level level) noexcept
    : LogRef(node.get(), node.get(), level), keep_(std::move(node)) {}

// ---- Context --------------------------------------------------------------------------------

Context::Context(std::shared_ptr<Node> node) noexcept
    : node_(std::move(node)), base_(node_.get()) {}

Context::Context() : Context(std::string()) {}

Context::Context(std::string title)
    : Context(mutate([&](State& s, Garbage&) {
        return log_internal::anonymous_locked(s, std::move(title));
      })) {}

std::string Context::title() const {
  return log_internal::inspect([&](State&) { return node_->cfg.title; });
}

Context& Context::title(std::string title) {
  mutate([&](State&, Garbage&) { node_->cfg.title = std::move(title); });
  return *this;
}

Context& Context::level(Level level) {
  mutate([&](State&, Garbage&) { node_->cfg.mask = log_internal::mask_up_to(level); });
  return *this;
}

Context& Context::levels(std::initializer_list<Level> levels) {
  std::uint16_t mask = 0;
  for (Level l : levels) mask |= log_internal::list_bits(l);
  mutate([&](State&, Garbage&) { node_->cfg.mask = mask; });
  return *this;
}

Context& Context::enable(std::initializer_list<Level> levels) {
  std::uint16_t bits = 0;
  for (Level l : levels) bits |= log_internal::list_bits(l);
  mutate([&](State&, Garbage&) { node_->cfg.mask |= bits; });
  return *this;
}

Context& Context::disable(std::initializer_list<Level> levels) {
  std::uint16_t bits = 0;
  for (Level l : levels) bits |= log_internal::list_bits(l);
  mutate([&](State&, Garbage&) { node_->cfg.mask &= static_cast<std::uint16_t>(~bits); });
  return *this;
}

Context& Context::cap(Level level) {
  mutate([&](State&, Garbage&) { node_->cfg.cap = log_internal::cap_number(level); });
  return *this;
}

std::uint16_t Context::level_mask() const {
  return log_internal::inspect([&](State&) { return node_->cfg.mask; });
}

Context& Context::attach(const Context& slave) {
  mutate([&](State&, Garbage&) { log_internal::attach_locked(node_->cfg, slave.node_); });
  return *this;
}

Context& Context::detach(const Context& slave) {
  mutate([&](State&, Garbage& garbage) {
    auto& slaves = node_->cfg.slaves;
    auto it = std::find(slaves.begin(), slaves.end(), slave.node_);
    if (it != slaves.end()) {
      garbage.add(std::move(*it));
      slaves.erase(it);
    }
  });
  return *this;
}

Context& Context::slaves(const std::vector<Context>& slaves) {
  mutate([&](State&, Garbage& garbage) {
    log_internal::detach_all_locked(node_->cfg, garbage);
    for (const Context& c : slaves) log_internal::attach_locked(node_->cfg, c.node_);
  });
  return *this;
}

std::vector<Context> Context::slaves() const {
  auto nodes = log_internal::inspect([&](State&) { return node_->cfg.slaves; });
  std::vector<Context> out;
  out.reserve(nodes.size());
  for (auto& n : nodes) out.push_back(Context(std::move(n)));
  return out;
}

Context& Context::log_cb(LogCallback cb) {
  std::shared_ptr<log_internal::Target> target;
  if (cb) target = log_internal::make_callback_target(std::move(cb));
  mutate([&](State&, Garbage& garbage) {
    log_internal::set_target_locked(node_->cfg, std::move(target), garbage);
  });
  return *this;
}

Context& Context::fmt_cb(Formatter fmt) {
  std::shared_ptr<const Formatter> f;
  if (fmt) f = std::make_shared<const Formatter>(std::move(fmt));
  mutate([&](State&, Garbage& garbage) {
    garbage.add(std::move(node_->cfg.fmt));
    node_->cfg.fmt = std::move(f);
  });
  return *this;
}

Context& Context::nolog() { return log_cb(nullptr); }

Context& Context::log_to_stderr() {
  auto target = log_internal::make_stderr_target();
  mutate([&](State&, Garbage& garbage) {
    log_internal::set_target_locked(node_->cfg, std::move(target), garbage);
  });
  return *this;
}

ae::Result<LogFile> Context::log_to_file(std::string path) {
  auto file = log_internal::FileTarget::open(std::move(path));
  if (!file) return file.error();
  mutate([&](State&, Garbage& garbage) {
    log_internal::set_target_locked(node_->cfg, *file, garbage);
  });
  return LogFile(*file);
}

ae::Result<std::string> Context::log_to_path(std::string path) {
  std::string absolute;
  auto target = log_internal::make_path_target(std::move(path), &absolute);
  if (!target) return target.error();
  mutate([&](State&, Garbage& garbage) {
    log_internal::set_target_locked(node_->cfg, std::move(*target), garbage);
  });
  return absolute;
}

Context& Context::log_to_syslog(SyslogOptions options) {
  std::optional<int> facility = log_internal::syslog_facility(options.facility);
  if (!facility) {
    throw std::invalid_argument("ae::log: unknown syslog facility '" + options.facility + "'");
  }
  mutate([&](State& s, Garbage& garbage) {
    std::string socket = options.socket_path.empty() ? s.syslog_socket : options.socket_path;
    log_internal::set_target_locked(
        node_->cfg,
        log_internal::make_syslog_target(*facility, std::move(options.ident), std::move(socket)),
        garbage);
  });
  return *this;
}

namespace {
void require_message_level(Level level) {
  if (!level.is_message_level()) {
    throw std::invalid_argument("ae::log: a message needs a level from 1 (fatal) to 9 (trace)");
  }
}
}  // namespace

bool Context::log(Level level, std::string_view message) const {
  require_message_level(level);
  return enabled(level) && log_internal::log_text(node_.get(), level.number(), message);
}

bool Context::logf(Level level, const char* format, ...) const {
  require_message_level(level);
  if (!enabled(level)) return false;
  std::va_list args;
  va_start(args, format);
  bool logged = log_internal::log_vformat(node_.get(), level.number(), format, args);
  va_end(args);
  return logged;
}

Logger Context::logger(Level level) const { return Logger(node_, level); }

// ---- Well-known contexts ----------------------------------------------------------------------

Context ctx(std::string_view name) {
  State& s = log_internal::ready();
  Garbage garbage;
  std::lock_guard lock(s.mu);
  bool created = false;
  std::shared_ptr<Node> node = log_internal::named_locked(s, name, &created);
  if (created) log_internal::publish_locked(s, garbage);
  return Context(std::move(node));
}

Context collect_context() { return Context(log_internal::ready().collect); }
Context filter_context() { return Context(log_internal::ready().filter); }
Context log_context() { return Context(log_internal::ready().log); }

void reset() {
  mutate([](State& s, Garbage& garbage) { log_internal::reset_locked(s, garbage); });
}

}  // namespace ae::log
