#include "log/config.h"

#include <memory>
#include <utility>

#include "log/internal/environment.h"
#include "log/internal/mutate.h"
#include "log/internal/targets.h"

namespace ae::log {

using log_internal::Garbage;
using log_internal::State;

ae::Result<std::size_t> configure(std::string_view spec) {
  return log_internal::configure_in(log_internal::ready(), spec);
}

bool configure_from_environment() { return log_internal::apply_environment(log_internal::ready()); }

void exact_time(bool exact) {
  log_internal::ready().exact_time.store(exact, std::memory_order_relaxed);
}

void set_default_format(Formatter format) {
  std::shared_ptr<const Formatter> f;
  if (format) f = std::make_shared<const Formatter>(std::move(format));
  log_internal::mutate([&](State& s, Garbage& garbage) {
    garbage.add(std::move(s.default_fmt));
    s.default_fmt = std::move(f);
  });
}

void set_fatal_exit(std::function<void()> fatal_exit) {
  std::shared_ptr<const std::function<void()>> f;
  if (fatal_exit) f = std::make_shared<const std::function<void()>>(std::move(fatal_exit));
  log_internal::mutate([&](State& s, Garbage& garbage) {
    garbage.add(std::move(s.fatal_exit));
    s.fatal_exit = std::move(f);
  });
}

ae::Result<std::size_t> reopen_files() { return log_internal::reopen_all_files(); }

void set_syslog_socket(std::string path) {
  State& s = log_internal::ready();
  std::lock_guard lock(s.mu);
  s.syslog_socket = std::move(path);
}

}  // namespace ae::log
