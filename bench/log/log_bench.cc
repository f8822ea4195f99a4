// //log beside spdlog (Debian's libspdlog 1.10), in one run:
//   * a disabled call (debug when the level is info): cost, and heap allocations per call;
//   * an enabled call that appends one formatted line to a file, with the same line layout;
//   * an enabled call that appends the formatted line to a string in memory (a log callback for
//     //log, a base_sink for spdlog), which is formatting and dispatch without the system call.
// AnyEvent::Log writes each message with its own write(2) (nothing is lost if the program
// dies); spdlog's basic_file_sink buffers in a FILE* by default, so it is measured both ways:
// buffered, and flushed after every message (flush_on(trace)), which is what //log does.
//
// Run: bazel run -c opt //bench/log:log_bench
// The last lines print the ratios ae / spdlog for each pair.

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "log/log.h"

// ---- Counting heap allocations ------------------------------------------------------------------

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

std::string g_dir;

std::string bench_path(const char* name) { return g_dir + "/" + name; }

void count_allocations(benchmark::State& state, long before) {
  state.counters["allocs/call"] = benchmark::Counter(
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations()));
}

// The same line layout for both: "2024-05-01 12:00:00.123456 +0200 info  bench: value 7 text".
constexpr const char* kSpdlogPattern = "%Y-%m-%d %H:%M:%S.%f %z %-5l %n: %v";

// ---- Disabled calls -----------------------------------------------------------------------------

void BM_Disabled_Ae_Logger(benchmark::State& state) {
  ae::log::Context c = ae::log::ctx("bench::disabled");
  c.level("info");
  ae::log::Logger debug = c.logger("debug");
  long before = g_allocations.load();
  int i = 0;
  for (auto _ : state) {
    AE_LOG(debug, "value %d %s", ++i, "text");
    benchmark::ClobberMemory();
  }
  count_allocations(state, before);
}

void BM_Disabled_Ae_Context(benchmark::State& state) {
  ae::log::Context c = ae::log::ctx("bench::disabled");
  c.level("info");
  long before = g_allocations.load();
  int i = 0;
  for (auto _ : state) {
    AE_LOG_CTX(c, "debug", "value %d %s", ++i, "text");
    benchmark::ClobberMemory();
  }
  count_allocations(state, before);
}

void BM_Disabled_Spdlog(benchmark::State& state) {
  auto logger = spdlog::get("bench_disabled");
  long before = g_allocations.load();
  int i = 0;
  for (auto _ : state) {
    logger->debug("value {} {}", ++i, "text");
    benchmark::ClobberMemory();
  }
  count_allocations(state, before);
}

// ---- Enabled calls to a file --------------------------------------------------------------------

void BM_File_Ae(benchmark::State& state) {
  static ae::log::Context c = [] {
    ae::log::Context ctx("bench");
    ctx.slaves({});
    (void)ctx.log_to_file(bench_path("ae.log"));
    return ctx;
  }();
  ae::log::Logger info = c.logger("info");
  int i = 0;
  for (auto _ : state) AE_LOG(info, "value %d %s", ++i, "text");
}

void BM_File_Spdlog_Buffered(benchmark::State& state) {
  auto logger = spdlog::get("bench_buffered");
  int i = 0;
  for (auto _ : state) logger->info("value {} {}", ++i, "text");
  logger->flush();
}

void BM_File_Spdlog_FlushEach(benchmark::State& state) {
  auto logger = spdlog::get("bench_flushed");
  int i = 0;
  for (auto _ : state) logger->info("value {} {}", ++i, "text");
}

// ---- Enabled calls into memory ------------------------------------------------------------------

constexpr std::size_t kMemoryLimit = 1 << 20;

void BM_Memory_Ae(benchmark::State& state) {
  static std::mutex mu;
  static std::string out;
  static ae::log::Context c = [] {
    ae::log::Context ctx("bench");
    ctx.slaves({});
    ctx.log_cb([](std::string_view line, const ae::log::Message&) {
      std::lock_guard lock(mu);
      out.append(line);
      if (out.size() > kMemoryLimit) out.clear();
      return false;
    });
    return ctx;
  }();
  ae::log::Logger info = c.logger("info");
  int i = 0;
  for (auto _ : state) AE_LOG(info, "value %d %s", ++i, "text");
}

// The same for spdlog: a sink that formats with the logger's pattern and appends to a string.
class StringSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    out_.append(formatted.data(), formatted.size());
    if (out_.size() > kMemoryLimit) out_.clear();
  }
  void flush_() override {}

 private:
  std::string out_;
};

void BM_Memory_Spdlog(benchmark::State& state) {
  auto logger = spdlog::get("bench_memory");
  int i = 0;
  for (auto _ : state) logger->info("value {} {}", ++i, "text");
}

BENCHMARK(BM_Disabled_Ae_Logger);
BENCHMARK(BM_Disabled_Ae_Context);
BENCHMARK(BM_Disabled_Spdlog);
BENCHMARK(BM_File_Ae)->Threads(1)->Threads(2);
BENCHMARK(BM_File_Spdlog_Buffered)->Threads(1)->Threads(2);
BENCHMARK(BM_File_Spdlog_FlushEach)->Threads(1)->Threads(2);
BENCHMARK(BM_Memory_Ae)->Threads(1)->Threads(2);
BENCHMARK(BM_Memory_Spdlog)->Threads(1)->Threads(2);

// Records the time per iteration of each run (the median, with --benchmark_repetitions), to
// print ratios at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") times_[run.run_name.str()] = times(run);
      } else if (times_.count(run.run_name.str()) == 0 || run.repetitions <= 1) {
        times_[run.run_name.str()] = times(run);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void print_ratio(const std::string& ae, const std::string& peer) const {
    auto a = times_.find(ae), p = times_.find(peer);
    if (a == times_.end() || p == times_.end() || p->second.real <= 0 || p->second.cpu <= 0) {
      return;
    }
    std::printf("ratio %-24s / %-34s = %6.3f real, %6.3f cpu\n", ae.c_str(), peer.c_str(),
                a->second.real / p->second.real, a->second.cpu / p->second.cpu);
  }

 private:
  struct Times {
    double real = 0;
    double cpu = 0;
  };
  static Times times(const Run& run) {
    return {run.GetAdjustedRealTime(), run.GetAdjustedCPUTime()};
  }
  std::map<std::string, Times> times_;
};

}  // namespace

int main(int argc, char** argv) {
  char dir_template[] = "/tmp/ae-log-bench-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  g_dir = dir_template;

  auto disabled = spdlog::basic_logger_mt("bench_disabled", bench_path("spdlog-disabled.log"));
  disabled->set_level(spdlog::level::info);
  auto buffered = spdlog::basic_logger_mt("bench_buffered", bench_path("spdlog-buffered.log"));
  buffered->set_pattern(kSpdlogPattern);
  buffered->set_level(spdlog::level::trace);
  auto flushed = spdlog::basic_logger_mt("bench_flushed", bench_path("spdlog-flushed.log"));
  flushed->set_pattern(kSpdlogPattern);
  flushed->set_level(spdlog::level::trace);
  flushed->flush_on(spdlog::level::trace);
  auto memory = std::make_shared<spdlog::logger>("bench_memory", std::make_shared<StringSink>());
  memory->set_pattern(kSpdlogPattern);
  memory->set_level(spdlog::level::trace);
  spdlog::register_logger(memory);

  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratio("BM_Disabled_Ae_Logger", "BM_Disabled_Spdlog");
  reporter.print_ratio("BM_Disabled_Ae_Context", "BM_Disabled_Spdlog");
  for (const char* threads : {"/threads:1", "/threads:2"}) {
    reporter.print_ratio(std::string("BM_File_Ae") + threads,
                         std::string("BM_File_Spdlog_FlushEach") + threads);
    reporter.print_ratio(std::string("BM_File_Ae") + threads,
                         std::string("BM_File_Spdlog_Buffered") + threads);
    reporter.print_ratio(std::string("BM_Memory_Ae") + threads,
                         std::string("BM_Memory_Spdlog") + threads);
  }
  spdlog::shutdown();
  std::error_code ignored;
  std::filesystem::remove_all(g_dir, ignored);
  return 0;
}
