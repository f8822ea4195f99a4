// //fork's benchmark, every contender in one run, ratios printed at the end:
//   rpc:  sequential round trips with a small payload — ae::fork::Rpc (sync worker, JSON and
//         string serialisers) against a raw socketpair ping-pong with a forked child (the floor).
//   pool: throughput of a CPU-bound job — ae::fork::Pool against a std::thread pool and against
//         posix_spawn of a process per job (this binary, `--job N`), each with ncpu at once.
// Prints key=value lines. Usage: fork_bench [--calls N] [--jobs N] [--work N]
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/loop.h"
#include "fork/fork.h"
#include "fork/pool.h"
#include "fork/rpc.h"

extern char** environ;

namespace {

using ae::Result;
using ae::fork::Json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The CPU-bound job: `work` rounds of an xorshift mix; the result keeps it from being optimised
// away.
std::uint64_t cpu_job(std::uint64_t seed, long work) {
  std::uint64_t x = seed | 1;
  for (long i = 0; i < work; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

long g_work = 200000;

Json echo_worker(Json x) { return x; }
AE_FORK_FUNCTION("bench.echo", echo_worker);

Json job_worker(Json req) {
  return static_cast<std::uint64_t>(cpu_job(req.at(0).get<std::uint64_t>(), req.at(1).get<long>()) &
                                    0xffff);
}
AE_FORK_FUNCTION("bench.job", job_worker);

double raw_pingpong(int calls) {
  int sv[2];
  ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
  pid_t pid = ::fork();
  char buf[64] = {};
  if (pid == 0) {
    ::close(sv[0]);
    while (::read(sv[1], buf, sizeof buf) > 0) {
      if (::write(sv[1], buf, sizeof buf) < 0) break;
    }
    ::_exit(0);
  }
  ::close(sv[1]);
  auto t = Clock::now();
  for (int i = 0; i < calls; ++i) {
    if (::write(sv[0], buf, sizeof buf) < 0) break;
    std::size_t got = 0;
    while (got < sizeof buf) {
      ssize_t n = ::read(sv[0], buf + got, sizeof buf - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
  }
  double s = seconds_since(t);
  ::close(sv[0]);
  ::waitpid(pid, nullptr, 0);
  return calls / s;
}

double rpc_roundtrips(int calls, const char* serialiser) {
  ae::fork::RpcOptions o;
  o.serialiser = serialiser;
  ae::fork::Rpc rpc(ae::fork::Fork(), "bench.echo", std::move(o));
  Json payload = std::string(serialiser) == "string" ? Json("0123456789abcdef") : Json(12345);
  rpc.call(payload).recv();  // the worker is up
  auto t = Clock::now();
  int done = 0;
  ae::CondVar<> all;
  ae::Function<void(Result<Json>)> next;
  next = [&](Result<Json> r) {
    if (!r) std::abort();
    if (++done == calls) {
      all.send();
    } else {
      rpc.call(payload, [&](Result<Json> r2) { next(std::move(r2)); });
    }
  };
  rpc.call(payload, [&](Result<Json> r) { next(std::move(r)); });
  all.recv();
  return calls / seconds_since(t);
}

double pool_jobs(int jobs, std::size_t workers) {
  ae::fork::PoolOptions o;
  o.max = workers;
  o.idle = workers;
  o.load = 2;
  ae::fork::Pool pool(ae::fork::Fork(), "bench.job", std::move(o));
  pool.call(Json::array({1, 1})).recv();
  auto t = Clock::now();
  int done = 0;
  ae::CondVar<> all;
  for (int i = 0; i < jobs; ++i) {
    pool.call(Json::array({i, g_work}), [&](Result<Json> r) {
      if (!r) std::abort();
      if (++done == jobs) all.send();
    });
  }
  all.recv();
  return jobs / seconds_since(t);
}

double thread_pool_jobs(int jobs, std::size_t workers) {
  std::mutex m;
  std::deque<int> queue;
  for (int i = 0; i < jobs; ++i) queue.push_back(i);
  std::atomic<std::uint64_t> sink{0};
  auto t = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (;;) {
        int i;
        {
          std::lock_guard lock(m);
          if (queue.empty()) return;
          i = queue.front();
          queue.pop_front();
        }
        sink += cpu_job(static_cast<std::uint64_t>(i), g_work) & 0xffff;
      }
    });
  }
  for (auto& th : threads) th.join();
  return jobs / seconds_since(t);
}

double spawn_jobs(int jobs, std::size_t workers, const char* self) {
  auto t = Clock::now();
  std::size_t running = 0;
  int next = 0, done = 0;
  std::string work = std::to_string(g_work);
  while (done < jobs) {
    while (running < workers && next < jobs) {
      std::string n = std::to_string(next++);
      char* argv[] = {const_cast<char*>(self), const_cast<char*>("--job"), n.data(), work.data(),
                      nullptr};
      pid_t pid;
      if (posix_spawn(&pid, self, nullptr, nullptr, argv, environ) != 0) std::abort();
      ++running;
    }
    int status;
    if (::wait(&status) > 0) {
      --running;
      ++done;
    }
  }
  return jobs / seconds_since(t);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--job") == 0) {
    // One job of the posix_spawn contender: compute, exit with a byte of the result.
    return static_cast<int>(cpu_job(std::strtoull(argv[2], nullptr, 10), std::atol(argv[3])) & 1);
  }
  ae::fork::init(argc, argv);
  int calls = 20000, jobs = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--calls") == 0) calls = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--jobs") == 0) jobs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--work") == 0) g_work = std::atol(argv[i + 1]);
  }
  std::size_t workers = ae::fork::ncpu().eus;
  double load[3] = {};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    std::fclose(f);
  }
  std::printf("machine ncpu_eus=%zu loadavg=%.2f calls=%d jobs=%d work=%ld\n", workers, load[0],
              calls, jobs, g_work);
  double raw = raw_pingpong(calls);
  double rpc_json = rpc_roundtrips(calls, "json");
  double rpc_string = rpc_roundtrips(calls, "string");
  std::printf("rpc raw_socketpair_rt_per_s=%.0f\n", raw);
  std::printf("rpc ae_rpc_json_rt_per_s=%.0f ratio_vs_raw=%.3f\n", rpc_json, rpc_json / raw);
  std::printf("rpc ae_rpc_string_rt_per_s=%.0f ratio_vs_raw=%.3f\n", rpc_string, rpc_string / raw);
  double threads = thread_pool_jobs(jobs, workers);
  double pool = pool_jobs(jobs, workers);
  double spawn = spawn_jobs(jobs, workers, "/proc/self/exe");
  std::printf("pool std_thread_jobs_per_s=%.0f\n", threads);
  std::printf("pool ae_pool_jobs_per_s=%.0f ratio_vs_threads=%.3f\n", pool, pool / threads);
  std::printf("pool posix_spawn_jobs_per_s=%.0f ratio_vs_threads=%.3f ae_pool_vs_spawn=%.2f\n",
              spawn, spawn / threads, pool / spawn);
  return 0;
}
