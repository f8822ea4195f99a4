#include "log/internal/environment.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "log/internal/levels.h"
#include "log/internal/mutate.h"
#include "log/internal/spec.h"
#include "log/internal/syslog_target.h"
#include "log/internal/targets.h"

namespace ae::log_internal {
namespace {

struct EnvValue {
  std::string name;  // the variable it came from
  std::string value;
};

// AnyEvent copies AE_x to PERL_ANYEVENT_x unless the latter exists, so PERL_ANYEVENT_x wins when
// set at all, and an empty PERL_ANYEVENT_x hides AE_x. secure_getenv: in a setuid or setgid
// program the environment is ignored, as AnyEvent ignores it under taint mode (AE_LOG could
// otherwise make such a program append to any file).
std::optional<EnvValue> env_value(const char* suffix) {
  for (const char* prefix : {"PERL_ANYEVENT_", "AE_"}) {
    std::string name = std::string(prefix) + suffix;
    if (const char* value = ::secure_getenv(name.c_str())) return EnvValue{name, value};
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  const char* kSpace = " \t\r\n";
  std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

void reset_with(State& s, ae::log::Level verbose) {
  Garbage garbage;
  std::lock_guard lock(s.mu);
  s.verbose = verbose;
  reset_locked(s, garbage);
  publish_locked(s, garbage);
}

}  // namespace

ae::Result<std::size_t> configure_in(State& s, std::string_view spec) {
  auto parsed = parse_spec(spec);
  if (!parsed) return parsed.error();

  // Open every file before touching the configuration: a failure must leave it as it was.
  std::vector<std::shared_ptr<Target>> files;
  for (const SpecEntry& entry : *parsed) {
    for (const SpecOp& op : entry.ops) {
      if (op.kind == SpecOp::Kind::kFile) {
        auto file = FileTarget::open(op.text);
        if (!file) return file.error();
        files.push_back(std::move(*file));
      } else if (op.kind == SpecOp::Kind::kPath) {
        auto path = make_path_target(op.text, nullptr);
        if (!path) return path.error();
        files.push_back(std::move(*path));
      }
    }
  }

  std::map<std::string, std::shared_ptr<Node>, std::less<>> anonymous;
  Garbage garbage;
  std::lock_guard lock(s.mu);
  auto resolve = [&](const SpecContext& c) -> std::shared_ptr<Node> {
    switch (c.kind) {
      case SpecContext::Kind::kCollect:
        return s.collect;
      case SpecContext::Kind::kFilter:
        return s.filter;
      case SpecContext::Kind::kLog:
        return s.log;
      case SpecContext::Kind::kAnonymous: {
        std::shared_ptr<Node>& node = anonymous[c.name];
        if (!node) node = anonymous_locked(s, c.name);
        return node;
      }
      case SpecContext::Kind::kNamed:
        break;
    }
    return named_locked(s, c.name, nullptr);
  };
  std::size_t next_file = 0;
  for (const SpecEntry& entry : *parsed) {
    std::shared_ptr<Node> node = resolve(entry.context);
    NodeConfig& cfg = node->cfg;
    for (const SpecOp& op : entry.ops) {
      switch (op.kind) {
        case SpecOp::Kind::kStderr:
          set_target_locked(cfg, make_stderr_target(), garbage);
          break;
        case SpecOp::Kind::kFile:
        case SpecOp::Kind::kPath:
          set_target_locked(cfg, files[next_file++], garbage);
          break;
        case SpecOp::Kind::kSyslog:
          set_target_locked(cfg, make_syslog_target(op.facility, {}, s.syslog_socket), garbage);
          break;
        case SpecOp::Kind::kNolog:
          set_target_locked(cfg, nullptr, garbage);
          break;
        case SpecOp::Kind::kCap:
          cfg.cap = cap_number(op.level);
          break;
        case SpecOp::Kind::kAttach:
          attach_locked(cfg, resolve(op.context));
          break;
        case SpecOp::Kind::kDetachAll:
          detach_all_locked(cfg, garbage);
          break;
        case SpecOp::Kind::kLevel:
          cfg.mask = mask_up_to(op.level);
          break;
        case SpecOp::Kind::kEnable:
          cfg.mask |= list_bits(op.level);
          break;
        case SpecOp::Kind::kDisable:
          cfg.mask &= static_cast<std::uint16_t>(~list_bits(op.level));
          break;
      }
    }
  }
  publish_locked(s, garbage);
  return parsed->size();
}

bool apply_environment(State& s) noexcept {
  bool ok = true;
  try {
    ae::log::Level verbose = 4;
    if (auto v = env_value("VERBOSE"); v && !trim(v->value).empty()) {
      if (auto level = ae::log::parse_level(trim(v->value))) {
        verbose = *level;
      } else {
        ok = false;
        report(v->name + "='" + v->value +
               "' is not a log level (0-9, or a name such as warn or debug); using 4 (error)");
      }
    }
    reset_with(s, verbose);
    if (auto spec = env_value("LOG"); spec && !trim(spec->value).empty()) {
      auto applied = configure_in(s, spec->value);
      if (!applied) {
        ok = false;
        report(spec->name + " (" + spec->value + "): " + applied.message() +
               "; keeping the default logging setup");
      }
    }
  } catch (...) {
    // Out of memory at start-up: whatever configuration exists stays, and start-up goes on.
    ok = false;
  }
  return ok;
}

}  // namespace ae::log_internal
