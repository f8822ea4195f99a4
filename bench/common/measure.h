// Measuring helpers shared by the benchmark programs: a monotonic clock, the resident set size,
// the file descriptor limit, and a small deterministic random generator.
//
// Example:
//   double t0 = ae::bench::cpu_seconds_now();
//   std::int64_t rss0 = ae::bench::rss_bytes();
//   ... create watchers ...
//   double us_each = (ae::bench::cpu_seconds_now() - t0) * 1e6 / count;
#pragma once

#include <cstddef>
#include <cstdint>

namespace ae::bench {

// Seconds on the monotonic clock (CLOCK_MONOTONIC), for intervals only.
double seconds_now() noexcept;

// CPU seconds this process has used, user and system (CLOCK_PROCESS_CPUTIME_ID). The benchmarks
// time their phases with it: no measured phase ever blocks, so on an idle machine it equals the
// wall time, and on a busy one it leaves out the time other processes had the CPU.
double cpu_seconds_now() noexcept;

// The resident set size of this process in bytes, as /proc/self/statm reports it (the measure
// AnyEvent's bench takes with `ps -orss`).
// Errors: std::runtime_error when /proc/self/statm cannot be read.
std::int64_t rss_bytes();

// Raises the soft RLIMIT_NOFILE to the hard limit and returns the new soft limit.
// Errors: std::system_error when getrlimit/setrlimit fail.
std::int64_t raise_fd_limit();

// A xorshift64* generator: the same seed gives the same sequence in every implementation, and a
// draw costs a few instructions, so it does not blur the loop costs being measured.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0x9E3779B97F4A7C15ull) noexcept : state_(seed | 1) {}

  std::uint64_t next() noexcept {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }

  // A value in [0, n), n > 0.
  std::size_t below(std::size_t n) noexcept {
    return static_cast<std::size_t>((next() >> 32) * n >> 32);
  }

 private:
  std::uint64_t state_;
};

}  // namespace ae::bench
