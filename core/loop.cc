#include "core/loop.h"

#include <signal.h>

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/condvar.h"
#include "core/internal/environment.h"
#include "core/internal/loop_core.h"
#include "core/log_hook.h"

namespace ae {
namespace {

thread_local Loop* t_current = nullptr;
thread_local std::unique_ptr<Loop> t_default;

std::unique_ptr<Backend> backend_from_environment() {
  std::optional<std::string> model = core_internal::environment("MODEL");
  if (model && !model->empty()) {
    if (auto backend = make_backend(*model)) return backend;
    core_log(LogLevel::kError, "ae::core",
             "AE_MODEL=" + *model + " names no linked backend (linked: " + linked_backends() +
                 "); using the default");
  }
  auto backend = make_default_backend();
  if (!backend) {
    throw std::logic_error("ae: no backend is linked; depend on //core or a //core/backend target");
  }
  return backend;
}

struct SignalName {
  const char* name;
  int number;
};

constexpr SignalName kSignalNames[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

}  // namespace

// ---- Loop ---------------------------------------------------------------------------------------

Loop::Loop() : Loop(backend_from_environment()) {}

Loop::Loop(std::unique_ptr<Backend> backend)
    : core_(new core_internal::LoopCore(std::move(backend))) {
  if (const DebugHooks* h = debug_hooks(); h != nullptr && h->loop_created != nullptr) {
    h->loop_created(*this);
  }
}

void Loop::CoreCloser::operator()(core_internal::LoopCore* core) const noexcept {
  core_internal::LoopCore::close(core);
}

Loop::~Loop() {
  destroy_services();
  if (t_current == this) t_current = nullptr;
}

// ---- Services -----------------------------------------------------------------------------------

Loop::ServiceConstruction::ServiceConstruction(Loop& loop, std::type_index type) : loop_(loop) {
  for (const std::type_index& t : loop.services_in_construction_) {
    if (t == type) {
      throw std::logic_error(std::string("ae::Loop::service: the constructor of ") + type.name() +
                             " asks for that service itself");
    }
  }
  loop.services_in_construction_.push_back(type);
}

Loop::ServiceConstruction::~ServiceConstruction() { loop_.services_in_construction_.pop_back(); }

void* Loop::find_service_object(std::type_index type) const noexcept {
  for (const ServiceSlot& s : services_) {
    if (s.type == type) return s.object;
  }
  return nullptr;
}

void Loop::add_service(ServiceSlot slot) {
  try {
    services_.push_back(slot);
  } catch (...) {
    slot.destroy(slot.object);
    throw;
  }
}

void Loop::destroy_services() noexcept {
  // Every service is shut down before the first one is destroyed, newest first; then they are
  // destroyed newest first. One made meanwhile (by a shutdown() or a destructor) is appended,
  // and is shut down before the next destruction.
  for (;;) {
    auto it = std::find_if(services_.rbegin(), services_.rend(),
                           [](const ServiceSlot& s) { return !s.shut_down; });
    if (it != services_.rend()) {
      it->shut_down = true;
      if (it->shutdown != nullptr) shut_down_service(it->shutdown, it->object);
      continue;
    }
    if (services_.empty()) break;
    ServiceSlot slot = services_.back();
    services_.pop_back();  // gone from find_service() while its destructor runs
    slot.destroy(slot.object);
  }
}

void Loop::shut_down_service(void (*shutdown)(void*), void* object) noexcept {
  try {
    shutdown(object);
  } catch (const std::exception& e) {
    core_log(LogLevel::kError, "ae::core",
             std::string("a loop service's shutdown() threw: ") + e.what());
  } catch (...) {
    core_log(LogLevel::kError, "ae::core", "a loop service's shutdown() threw");
  }
}

bool Loop::dispatching() const noexcept { return core_->dispatching(); }

Guard Loop::postpone_cancellable(Function<void()> f) {
  if (!f) throw std::invalid_argument("ae::postpone_cancellable: empty function");
  // The call and its Guard share the function: cancelling empties it (so its captures go at
  // once), and running takes it out first, so it runs at most once.
  auto shared = std::make_shared<Function<void()>>(std::move(f));
  core_->postpone([shared] {
    if (!*shared) return;
    Function<void()> call = std::move(*shared);
    call();
  });
  return Guard([shared] { *shared = nullptr; });
}

Loop& Loop::current() {
  if (t_current != nullptr) return *t_current;
  if (!t_default) t_default = std::make_unique<Loop>();
  return *t_default;
}

Loop* Loop::current_if_any() noexcept { return t_current != nullptr ? t_current : t_default.get(); }

Loop::Scope::Scope(Loop& loop) noexcept : previous_(t_current) { t_current = &loop; }
Loop::Scope::~Scope() { t_current = previous_; }

// Each factory makes its watcher at once when no debug hooks are installed (the common case: one
// load and a branch), and through made_observed() otherwise.
template <class Make>
auto Loop::made_observed(const DebugHooks& h, const WatcherSpec& spec, Make make)
    -> decltype(make()) {
  if (h.check != nullptr) h.check(*this, spec);
  auto* node = make();
  if (h.created != nullptr) {
    try {
      h.created(*this, node, spec);
    } catch (...) {
      if (h.destroyed != nullptr) h.destroyed(node);
      core_internal::LoopCore::release(node);
      throw;
    }
  }
  return node;
}

Io Loop::io(int fd, IoDir dir, Function<void()> cb, ae::SourceLocation where) {
  auto make = [&] { return core_->make_io(fd, dir == IoDir::kWrite, std::move(cb)); };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Io(make());
  }
  WatcherSpec spec(WatcherType::kIo, where);
  spec.fd = fd;
  spec.write = dir == IoDir::kWrite;
  return Io(made_observed(*hooks, spec, make));
}

// Arguments core refuses are refused inside make(), after the debug hooks' check, so that strict
// mode can name the caller's line.
Timer Loop::timer(Seconds after, Function<void()> cb, ae::SourceLocation where) {
  auto make = [&] {
    core_internal::MonoNs a = core_internal::to_ns(after.count(), "ae::timer: after");
    return core_->make_timer(a, 0, std::move(cb));
  };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Timer(make());
  }
  WatcherSpec spec(WatcherType::kTimer, where);
  spec.after = after.count();
  return Timer(made_observed(*hooks, spec, make));
}

Timer Loop::timer(Seconds after, Seconds interval, Function<void()> cb, ae::SourceLocation where) {
  auto make = [&] {
    core_internal::MonoNs a = core_internal::to_ns(after.count(), "ae::timer: after");
    core_internal::MonoNs i = core_internal::to_ns(interval.count(), "ae::timer: interval");
    return core_->make_timer(a, i, std::move(cb));
  };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Timer(make());
  }
  WatcherSpec spec(WatcherType::kTimer, where);
  spec.after = after.count();
  spec.interval = interval.count();
  spec.repeating = true;
  return Timer(made_observed(*hooks, spec, make));
}

Signal Loop::signal(int signum, Function<void()> cb, ae::SourceLocation where) {
  auto make = [&] { return core_->make_signal(signum, std::move(cb)); };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Signal(make());
  }
  WatcherSpec spec(WatcherType::kSignal, where);
  spec.signum = signum;
  return Signal(made_observed(*hooks, spec, make));
}

Signal Loop::signal(std::string_view name, Function<void()> cb, ae::SourceLocation where) {
  int signum = sig2num(name);
  auto make = [&] {
    if (signum == 0) {
      throw std::invalid_argument("ae::signal: unknown signal name \"" + std::string(name) + "\"");
    }
    return core_->make_signal(signum, std::move(cb));
  };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Signal(make());
  }
  WatcherSpec spec(WatcherType::kSignal, where);
  spec.signum = signum;
  spec.signal_name = name;
  return Signal(made_observed(*hooks, spec, make));
}

Child Loop::child(pid_t pid, Function<void(pid_t, int)> cb, ae::SourceLocation where) {
  auto make = [&] { return core_->make_child(pid, std::move(cb)); };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Child(make());
  }
  WatcherSpec spec(WatcherType::kChild, where);
  spec.pid = pid;
  return Child(made_observed(*hooks, spec, make));
}

Idle Loop::idle(Function<void()> cb, ae::SourceLocation where) {
  auto make = [&] { return core_->make_idle(std::move(cb)); };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Idle(make());
  }
  WatcherSpec spec(WatcherType::kIdle, where);
  return Idle(made_observed(*hooks, spec, make));
}

Prepare Loop::prepare(Function<void()> cb, ae::SourceLocation where) {
  auto make = [&] { return core_->make_iteration(true, std::move(cb)); };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Prepare(make());
  }
  WatcherSpec spec(WatcherType::kPrepare, where);
  return Prepare(made_observed(*hooks, spec, make));
}

Check Loop::check(Function<void()> cb, ae::SourceLocation where) {
  auto make = [&] { return core_->make_iteration(false, std::move(cb)); };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Check(make());
  }
  WatcherSpec spec(WatcherType::kCheck, where);
  return Check(made_observed(*hooks, spec, make));
}

Periodic Loop::periodic(double offset, double interval, Function<void()> cb,
                        ae::SourceLocation where) {
  auto make = [&] { return core_->make_periodic(offset, interval, nullptr, std::move(cb)); };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Periodic(make());
  }
  WatcherSpec spec(WatcherType::kPeriodic, where);
  spec.after = offset;
  spec.interval = interval;
  spec.repeating = interval > 0;
  return Periodic(made_observed(*hooks, spec, make));
}

Periodic Loop::periodic(Function<double(double now)> reschedule, Function<void()> cb,
                        ae::SourceLocation where) {
  auto make = [&] {
    if (!reschedule) throw std::invalid_argument("ae::periodic: empty reschedule function");
    return core_->make_periodic(0, 0, std::move(reschedule), std::move(cb));
  };
  const DebugHooks* hooks = debug_hooks();
  if (hooks == nullptr) [[likely]] {
    return Periodic(make());
  }
  WatcherSpec spec(WatcherType::kPeriodic, where);
  spec.repeating = true;
  return Periodic(made_observed(*hooks, spec, make));
}

void Loop::postpone(Function<void()> f) { core_->postpone(std::move(f)); }
void Loop::post(Function<void()> f) { core_->post(std::move(f)); }
void Loop::run() { core_->run(); }
bool Loop::run_once(bool block) { return core_->run_once(block); }
void Loop::stop() noexcept { core_->stop(); }
double Loop::now() const noexcept { return core_->wall_now(); }
void Loop::now_update() noexcept { core_->update_time(); }
std::string_view Loop::model() const noexcept { return core_->backend().name(); }
Backend& Loop::backend() noexcept { return core_->backend(); }
std::size_t Loop::active_watchers() const noexcept {
  return core_->active() + core_->unreferenced();
}
std::size_t Loop::referenced_watchers() const noexcept { return core_->active(); }
int& Loop::core_waiters() noexcept { return core_->waiters(); }

double time() noexcept { return core_internal::wall_clock(); }

// ---- Debug hooks --------------------------------------------------------------------------------

namespace core_internal {
std::atomic<const DebugHooks*> g_debug_hooks{nullptr};
}

void set_debug_hooks(const DebugHooks* hooks) noexcept {
  core_internal::g_debug_hooks.store(hooks, std::memory_order_release);
}

std::string_view watcher_type_name(WatcherType type) noexcept {
  switch (type) {
    case WatcherType::kIo:
      return "io";
    case WatcherType::kTimer:
      return "timer";
    case WatcherType::kSignal:
      return "signal";
    case WatcherType::kChild:
      return "child";
    case WatcherType::kIdle:
      return "idle";
    case WatcherType::kPrepare:
      return "prepare";
    case WatcherType::kCheck:
      return "check";
    case WatcherType::kPeriodic:
      return "periodic";
  }
  return "?";
}

void* debug_slot(LoopId loop) noexcept { return loop->debug_slot(); }
void set_debug_slot(Loop& loop, void* state) noexcept { loop.core_->set_debug_slot(state); }
LoopId debug_loop_id(Loop& loop) noexcept { return loop.core_.get(); }

static_assert(static_cast<int>(core_internal::WatcherNode::Kind::kIdle) ==
              static_cast<int>(WatcherType::kIdle));
static_assert(static_cast<int>(core_internal::WatcherNode::Kind::kPeriodic) ==
              static_cast<int>(WatcherType::kPeriodic));
WatcherType debug_watcher_type(WatcherId watcher) noexcept {
  return static_cast<WatcherType>(watcher->kind);
}
bool debug_watcher_active(WatcherId watcher) noexcept { return watcher->active; }

int sig2num(std::string_view name) noexcept {
  if (name.starts_with("SIG")) name.remove_prefix(3);
  for (const SignalName& s : kSignalNames) {
    if (name == s.name) return s.number;
  }
  // Real-time signals: RTMIN, RTMIN+n, RTMAX, RTMAX-n.
  auto offset = [](std::string_view rest, int sign) -> int {
    if (rest.empty()) return 0;
    if (rest[0] != (sign > 0 ? '+' : '-') || rest.size() < 2 || rest.size() > 3) return -1;
    int n = 0;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return -1;
      n = n * 10 + (c - '0');
    }
    return n * sign;
  };
  if (name.starts_with("RTMIN")) {
    int o = offset(name.substr(5), 1);
    if (o >= 0 && SIGRTMIN + o <= SIGRTMAX) return SIGRTMIN + o;
  } else if (name.starts_with("RTMAX")) {
    int o = offset(name.substr(5), -1);
    if (o <= 0 && o != -1 && SIGRTMAX + o >= SIGRTMIN) return SIGRTMAX + o;
    if (name.size() == 5) return SIGRTMAX;
  }
  return 0;
}

std::string_view sig2name(int signum) noexcept {
  for (const SignalName& s : kSignalNames) {
    if (s.number == signum) return s.name;
  }
  return "";
}

namespace core_internal {
void report_unobserved_croak(std::exception_ptr error) noexcept {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(std::move(error));
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  core_log(LogLevel::kError, "ae::core",
           "a CondVar was croaked and then destroyed without anyone seeing the error: " + what);
}
}  // namespace core_internal

// ---- Watcher handles ----------------------------------------------------------------------------

void WatcherHandle::reset() noexcept {
  if (node_ == nullptr) return;
  core_internal::WatcherNode* node = std::exchange(node_, nullptr);
  if (const DebugHooks* h = debug_hooks(); h != nullptr && h->destroyed != nullptr) [[unlikely]] {
    h->destroyed(node);
  }
  core_internal::LoopCore::release(node);
}

bool WatcherHandle::active() const noexcept { return node_ != nullptr && node_->active; }

bool WatcherHandle::has_ref() const noexcept { return node_ != nullptr && node_->referenced; }

void WatcherHandle::set_referenced(bool referenced) noexcept {
  if (node_ != nullptr) node_->loop->set_referenced(node_, referenced);
}

void Io::stop() noexcept {
  if (node_ != nullptr && !node_->loop->dead()) {
    node_->loop->stop_io(static_cast<core_internal::IoNode*>(node_));
  }
}

namespace {
void report_use(core_internal::WatcherNode* node, ae::SourceLocation where) {
  if (const DebugHooks* h = debug_hooks(); h != nullptr && h->used != nullptr) [[unlikely]] {
    h->used(node, where);
  }
}
}  // namespace

void Io::start(ae::SourceLocation where) {
  if (node_ != nullptr && !node_->loop->dead()) {
    report_use(node_, where);
    node_->loop->start_io(static_cast<core_internal::IoNode*>(node_));
  }
}

void Timer::set(Seconds after, Seconds interval, ae::SourceLocation where) {
  if (node_ == nullptr || node_->loop->dead()) return;
  report_use(node_, where);
  core_internal::MonoNs a = core_internal::to_ns(after.count(), "ae::Timer::set: after");
  core_internal::MonoNs i = core_internal::to_ns(interval.count(), "ae::Timer::set: interval");
  node_->loop->start_timer(static_cast<core_internal::TimerNode*>(node_), a, i);
}

double Periodic::at() const noexcept {
  if (node_ == nullptr || !node_->active) return 0;
  return static_cast<const core_internal::PeriodicNode*>(node_)->at;
}

double periodic_next(double offset, double interval, double now) noexcept {
  if (!(interval > 0)) return offset;
  // libev's ev_periodic rule: the first offset + k * interval after now. The division may err
  // by one step either way in floating point; the loops put it right.
  double at = offset + interval * std::floor((now - offset) / interval);
  while (at > now) at -= interval;
  while (at <= now) at += interval;
  return at;
}

void Timer::stop() noexcept {
  if (node_ != nullptr && !node_->loop->dead()) {
    node_->loop->stop_timer(static_cast<core_internal::TimerNode*>(node_));
  }
}

}  // namespace ae
