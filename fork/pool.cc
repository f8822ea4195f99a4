#include "fork/pool.h"

#include <deque>
#include <fstream>
#include <list>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/log_hook.h"
#include "core/loop.h"
#include "fork/internal/loop_end.h"
#include "fork/internal/registry.h"

namespace ae::fork_internal {

using fork::Json;

struct PoolState : Abandonable {
  struct Worker {
    std::unique_ptr<fork::Rpc> rpc;
    std::size_t load = 0;
    bool retired = false;
    bool lost = false;
    std::uint64_t id = 0;
  };
  struct Job {
    Json args;
    Function<void(Result<Json>)> cb;
    double timeout;
  };

  Loop* loop = nullptr;
  std::string function;
  fork::PoolOptions options;
  std::vector<fork::Fork> prototypes;
  std::size_t next_prototype = 0;
  std::list<Worker> workers;  // stable addresses: callbacks hold Worker*
  std::deque<Job> queue;
  Timer start_timer;
  Timer stop_timer;
  std::size_t started = 0;
  std::uint64_t next_worker_id = 1;
  std::size_t exiting = 0;  // stopped workers whose Rpc has not reported on_destroy yet
  bool handle_alive = true;
  bool destroyed = false;
  std::shared_ptr<PoolState> self;

  void start_worker() {
    fork::Fork& proto = prototypes[next_prototype++ % prototypes.size()];
    fork::RpcOptions o;
    o.serialiser = options.serialiser;
    o.init = options.init;
    o.done = options.done;
    o.timeout = options.timeout;
    workers.emplace_back();
    Worker* w = &workers.back();
    const std::uint64_t id = w->id = next_worker_id++;
    o.on_event = [this](Json e) {
      if (options.on_event) options.on_event(std::move(e));
    };
    // An Rpc may outlive its worker entry (it finishes after the pool let it go), so these
    // find the worker by id.
    o.on_retire = [this, id] {
      if (Worker* found = find(id)) found->retired = true;
      loop->postpone([keep = self, this, id] {
        if (Worker* found = find(id)) stop_if_done(found);
      });
    };
    o.on_error = [this, id](const Error& e) {
      if (Worker* found = find(id)) found->lost = true;
      if (options.on_error) {
        options.on_error(e);
      } else if (core_log_enabled(LogLevel::kError, "ae::fork")) {
        core_log(LogLevel::kError, "ae::fork", "pool worker: " + e.message);
      }
      // Not inside the Rpc's own callback: the worker is removed afterwards.
      loop->postpone([keep = self, this, id] {
        if (Worker* found = find(id)) remove(found);
        schedule();
      });
    };
    o.on_destroy = [this] { worker_exited(); };
    w->rpc = std::make_unique<fork::Rpc>(proto.fork(), function, std::move(o));
    ++started;
  }

  Worker* find(std::uint64_t id) {
    for (Worker& w : workers) {
      if (w.id == id) return &w;
    }
    return nullptr;
  }

  // Drops a worker's Rpc: a live worker finishes its calls and exits, a lost one is let go.
  // Either way its Rpc's on_destroy counts it out (worker_exited).
  void remove(Worker* w) {
    for (auto it = workers.begin(); it != workers.end(); ++it) {
      if (&*it != w) continue;
      ++exiting;
      workers.erase(it);
      break;
    }
    maybe_destroyed();
  }
  void stop_worker(Worker* w) { remove(w); }

  void stop_if_done(Worker* w) {
    if (w->retired && w->load == 0 && !w->lost) stop_worker(w);
    schedule();
  }

  Worker* least_loaded() {
    Worker* best = nullptr;
    for (Worker& w : workers) {
      // A worker can be dead before its loss is reported (a timed-out call killed it, or its
      // other call just failed): alive() knows at once.
      if (w.retired || w.lost || w.load >= options.load || !w.rpc->alive()) continue;
      if (!best || w.load < best->load) best = &w;
    }
    return best;
  }

  std::size_t idle_workers() const {
    std::size_t n = 0;
    for (const Worker& w : workers) n += (w.load == 0 && !w.retired && !w.lost);
    return n;
  }

  void dispatch() {
    while (!queue.empty()) {
      Worker* w = least_loaded();
      if (!w) break;
      Job job = std::move(queue.front());
      queue.pop_front();
      ++w->load;
      w->rpc->call(
          job.args,
          [this, keep = self, id = w->id, cb = std::move(job.cb)](Result<Json> r) mutable {
            if (Worker* found = find(id)) --found->load;
            cb(std::move(r));
            Worker* found = find(id);
            if (found && found->retired) {
              stop_if_done(found);
            } else {
              schedule();
            }
          },
          job.timeout);
    }
  }

  bool wants_worker() const {
    if (workers.size() >= options.max) return false;
    return !queue.empty() || workers.size() < options.idle;
  }

  // Runs after every change: sends what can be sent, grows or arms the timers, and finishes a
  // destroyed pool.
  void schedule() {
    dispatch();
    if (wants_worker()) {
      if (workers.empty()) {
        start_worker();  // the first call on an empty pool starts a worker at once
        dispatch();
      }
      if (wants_worker() && !start_timer.active()) {
        start_timer = loop->timer(options.start, options.start, [this] {
          auto keep = self;
          if (wants_worker()) {
            start_worker();
            dispatch();
          }
          if (!wants_worker()) start_timer.reset();
        });
      }
    }
    if (idle_workers() > options.idle && !stop_timer.active() && handle_alive) {
      stop_timer = loop->timer(options.stop, options.stop, [this] {
        auto keep = self;
        if (idle_workers() <= options.idle) {
          stop_timer.reset();
          return;
        }
        for (Worker& w : workers) {
          if (w.load == 0 && !w.retired && !w.lost) {
            stop_worker(&w);
            break;
          }
        }
      });
    }
    maybe_destroyed();
  }

  void maybe_destroyed() {
    if (handle_alive || destroyed || !queue.empty()) return;
    for (Worker& w : workers) {
      if (w.load > 0) return;
    }
    // The queue is done: stop every worker; on_destroy runs once they all exited.
    while (!workers.empty()) stop_worker(&workers.front());
    prototypes.clear();
    start_timer.reset();
    stop_timer.reset();
    if (exiting == 0) finish();
  }

  void worker_exited() {
    --exiting;
    if (!handle_alive && exiting == 0 && workers.empty() && queue.empty()) finish();
  }

  void abandon() noexcept override {
    if (destroyed) return;
    destroyed = true;
    start_timer.reset();
    stop_timer.reset();
    queue.clear();
    workers.clear();
    prototypes.clear();
    options = fork::PoolOptions{};
    self.reset();  // last: may free this
  }

  void finish() {
    if (destroyed) return;
    destroyed = true;
    auto on_destroy = std::move(options.on_destroy);
    auto keep = std::move(self);
    loop->postpone([keep = std::move(keep), on_destroy = std::move(on_destroy)]() mutable {
      if (on_destroy) on_destroy();
    });
  }
};

}  // namespace ae::fork_internal

namespace ae::fork {

using namespace fork_internal;

Pool::Pool(Fork prototype, std::string function, PoolOptions options)
    : Pool(
          [&] {
            std::vector<Fork> v;
            v.push_back(std::move(prototype));
            return v;
          }(),
          std::move(function), std::move(options)) {}

Pool::Pool(std::vector<Fork> prototypes, std::string function, PoolOptions options) {
  const Entry* e = find_entry(function);
  if (!e || !(std::holds_alternative<SyncFn>(*e) || std::holds_alternative<AsyncFn>(*e))) {
    throw std::logic_error("ae::fork::Pool: no RPC function registered as " + function);
  }
  if (prototypes.empty()) throw std::logic_error("ae::fork::Pool: no prototype process");
  auto s = std::make_shared<PoolState>();
  s->loop = &Loop::current();
  s->function = std::move(function);
  s->options = std::move(options);
  if (s->options.max == 0) s->options.max = 1;
  if (s->options.load == 0) s->options.load = 1;
  s->prototypes = std::move(prototypes);
  s->self = s;
  s->loop->service<LoopEnd>().add(s);
  for (std::size_t i = 0; i < s->options.idle && i < s->options.max; ++i) s->start_worker();
  state_ = std::move(s);
}

Pool::Pool(Pool&&) noexcept = default;
Pool& Pool::operator=(Pool&& o) noexcept {
  if (this != &o) {
    release();
    state_ = std::move(o.state_);
  }
  return *this;
}

Pool::~Pool() { release(); }

void Pool::release() noexcept {
  if (!state_) return;
  auto s = std::move(state_);
  s->handle_alive = false;
  s->stop_timer.reset();
  try {
    s->schedule();
  } catch (const std::exception& e) {
    // Starting a worker failed (the template is gone): the queued calls fail instead.
    auto jobs = std::move(s->queue);
    s->queue.clear();
    for (auto& job : jobs) {
      s->loop->postpone([cb = std::move(job.cb), what = std::string(e.what())]() mutable {
        cb(Result<Json>(Error{make_error_code(RpcErrc::kCancelled), what}));
      });
    }
    s->maybe_destroyed();
  }
}

void Pool::call(Json args, Function<void(Result<Json>)> cb, double timeout) {
  if (!state_) throw std::logic_error("ae::fork::Pool: empty");
  state_->queue.push_back(PoolState::Job{std::move(args), std::move(cb), timeout});
  state_->schedule();
}

CondVar<Json> Pool::call(Json args) {
  CondVar<Json> cv;
  call(std::move(args), [cv](Result<Json> r) mutable {
    if (r) {
      cv.send(std::move(*r));
    } else {
      cv.croak(std::make_exception_ptr(std::system_error(r.code(), r.message())));
    }
  });
  return cv;
}

std::size_t Pool::workers() const noexcept { return state_ ? state_->workers.size() : 0; }
std::size_t Pool::queued() const noexcept { return state_ ? state_->queue.size() : 0; }
std::size_t Pool::started() const noexcept { return state_ ? state_->started : 0; }

CpuCount ncpu(std::size_t fallback) {
  std::ifstream in("/proc/cpuinfo");
  std::set<std::pair<std::string, std::string>> cores;
  std::size_t eus = 0;
  std::string line, physical;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "processor") ++eus;
    if (key == "physical id") physical = value;
    if (key == "core id") cores.emplace(physical, value);
  }
  if (eus == 0) return {fallback, fallback};
  return {cores.empty() ? eus : cores.size(), eus};
}

}  // namespace ae::fork
