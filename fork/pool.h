// ae::fork::Pool: AnyEvent::Fork::Pool for C++ — a pool of RPC workers that grows with the
// queue and shrinks when idle, sending each call to the least-loaded worker.
//
// Workers are clones (Fork::fork) of prototype processes, so arguments and fds sent to a
// prototype reach every worker. Prototypes may be local or remote (Template::remote), so one
// pool can span hosts; new workers take prototypes in turn.
//
// Example:
//   ae::fork::Fork proto;                    // from the early template
//   proto.send_arg("config.json");
//   ae::fork::PoolOptions o;
//   o.max = ae::fork::ncpu().cpus;
//   ae::fork::Pool pool(std::move(proto), "square", std::move(o));
//   for (int i = 0; i < 1000; ++i)
//     pool.call(i, [](ae::Result<ae::fork::Json> r) { ... });   // queued, run on up to max
//   ae::fork::Json v = co_await pool.call(12);                  // or awaited
//
// Scheduling (AnyEvent::Fork::Pool's): a call goes to the least-loaded worker whose load is
// below `load`, else it waits in a FIFO queue. While calls wait (or fewer than `idle` workers
// exist) and fewer than `max` run, a worker is started every `start` seconds (the first one at
// once). Every `stop` seconds one idle worker beyond `idle` is stopped. A worker that calls
// ae::fork::retire() gets no more calls and is stopped when its calls are done. A worker that
// dies fails its outstanding calls with the reason (Rpc's errors), is reported to on_error, and
// is replaced while calls are waiting. Workers are few, so "least loaded" is a scan over them.
//
// Thread safety: a Pool belongs to the loop thread that made it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/condvar.h"
#include "core/function.h"
#include "core/result.h"
#include "fork/fork.h"
#include "fork/rpc.h"

namespace ae::fork_internal {
struct PoolState;
}

namespace ae::fork {

struct PoolOptions {
  std::size_t max = 4;   // most workers at once
  std::size_t idle = 0;  // workers kept even when idle (started at once)
  std::size_t load = 2;  // most calls outstanding on one worker
  double start = 0.1;    // seconds between starting workers while calls wait
  double stop = 10;      // seconds between stopping surplus idle workers
  double timeout = 0;    // per-call timeout in seconds (0: none); see RpcOptions::timeout
  std::string serialiser = "json";
  std::string init;
  std::string done;
  // Runs every time a worker sends an event (default: ignored, as in AnyEvent::Fork::Pool).
  Function<void(Json)> on_event;
  // Runs every time a worker is lost (died, broke the protocol); it is replaced as needed.
  // Without it, the loss is logged at level error in the context "ae::fork".
  Function<void(const Error&)> on_error;
  // Runs once, after the Pool was destroyed, its queue finished and every worker exited.
  Function<void()> on_destroy;
};

class Pool {
 public:
  // Errors: std::logic_error for an unregistered RPC function or no prototypes.
  Pool(Fork prototype, std::string function, PoolOptions options = {});
  Pool(std::vector<Fork> prototypes, std::string function, PoolOptions options = {});
  Pool(Pool&&) noexcept;
  Pool& operator=(Pool&&) noexcept;
  // Lets the queue finish, then stops the workers; on_destroy runs after the last one exited.
  ~Pool();

  // Queues a call. `cb` runs exactly once, from the loop, never inside this call.
  void call(Json args, Function<void(Result<Json>)> cb, double timeout = 0);
  void operator()(Json args, Function<void(Result<Json>)> cb) {
    call(std::move(args), std::move(cb));
  }
  // The same as a CondVar, for recv() or co_await (croaks with std::system_error).
  CondVar<Json> call(Json args);

  std::size_t workers() const noexcept;  // running, retired included
  std::size_t queued() const noexcept;   // calls waiting for a worker
  std::size_t started() const noexcept;  // workers started so far, replacements included

 private:
  void release() noexcept;
  std::shared_ptr<fork_internal::PoolState> state_;
};

// The number of CPU cores and of execution units (hardware threads), AnyEvent::Fork::Pool::ncpu:
// distinct "core id"s per "physical id" and "processor" lines in /proc/cpuinfo, or `fallback`.
struct CpuCount {
  std::size_t cpus;
  std::size_t eus;
};
CpuCount ncpu(std::size_t fallback = 1);

}  // namespace ae::fork
