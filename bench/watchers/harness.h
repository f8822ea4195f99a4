// AnyEvent's watcher benchmark (eg/bench) as a skeleton that each implementation fills in.
//
// Per AnyEvent's manual: create `pairs` io watchers, all watching one always-writable fd, and
// `pairs` zero-delay timers, alternately; let every watcher fire exactly once; destroy them all.
// The program reports bytes per watcher (RSS growth over the create phase) and microseconds per
// watcher for create, invoke and destroy.
//
// Example:
//   class MyLoopBench final : public ae::bench::WatcherBench { ... };
//   MyLoopBench bench;
//   ae::bench::run_watcher_bench(bench, "myloop", 100000, "");
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ae::bench {

// Counts callback calls per watcher, so the invoke phase can prove each watcher ran exactly once.
class CallCounter {
 public:
  explicit CallCounter(std::size_t watchers) : calls_(watchers, 0), waiting_(watchers) {}

  // Records a call of watcher `i`. Returns true when it was the last watcher still waiting for
  // its first call: the caller then stops its loop.
  bool hit(std::size_t i) noexcept {
    ++total_;
    return calls_[i]++ == 0 && --waiting_ == 0;
  }

  std::size_t total() const noexcept { return total_; }
  std::size_t waiting() const noexcept { return waiting_; }
  // Watchers that ran more than once.
  std::size_t repeated() const noexcept;

 private:
  std::vector<std::uint32_t> calls_;
  std::size_t waiting_;
  std::size_t total_ = 0;
};

// One implementation of the benchmark's three phases. Watcher numbers: io watcher k is k, timer
// k is pairs + k; each callback calls counter.hit(its number) and stops the loop when that
// returns true.
class WatcherBench {
 public:
  virtual ~WatcherBench() = default;

  // Creates the watchers: for k in [0, pairs), io watcher k on `fd` for writing, then timer k
  // with a zero delay. Allocates everything the watchers need (it is counted as their memory).
  virtual void create(int fd, std::size_t pairs, CallCounter& counter) = 0;
  // Runs the loop until a callback stops it.
  virtual void invoke() = 0;
  // Destroys every watcher, the timers first, each kind newest first (the order in which
  // eg/bench's `@io = @timer = ()` frees them), and frees their memory; then runs one loop
  // iteration with a zero-delay timer, as eg/bench does, so that cleanup a loop defers to its
  // next iteration counts.
  virtual void destroy() = 0;
};

// Runs the three phases of `bench` with `watchers` watchers (half io, half timers) on one end of
// a fresh socketpair, and prints the result line (bench/common/result.h) with fields name,
// watchers, bytes, create, invoke, destroy, calls, cpu and comment (`comment`, plus a note of
// any watcher that ran more than once). Times are CPU time (measure.h): create and destroy per
// watcher, invoke per callback call (AnyEvent's definition; they differ only for a loop that
// runs some watchers twice before it can stop, which the comment then says). cpu is the
// percentage of wall time the three phases had the CPU (below 100: other load).
// Errors: std::runtime_error when a watcher never ran (the loop stopped early).
void run_watcher_bench(WatcherBench& bench, std::string_view name, std::size_t watchers,
                       std::string_view comment);

}  // namespace ae::bench
