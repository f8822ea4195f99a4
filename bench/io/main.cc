// The file-read benchmark driver: reads one file through //io and with blocking read(2) on the
// loop's thread, each in its own process, warm (page cache) and cold (from the disk), and prints
// throughput and the loop's lag under a 1 ms timer, with ratios against blocking chunked reads.
//
// Usage: io_bench [--mib 256] [--chunk-kib 1024] [--runs 3]
//   The file is made under $TMPDIR (or /tmp) and removed at the end.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/driver.h"

namespace {

using ae::bench::Implementation;

const std::vector<Implementation> kImplementations = {
    {"blocking/chunk", "io_read", {"blocking", "chunk"}},
    {"ae::fs/chunk", "io_read", {"aio", "chunk"}},
    {"blocking/whole", "io_read", {"blocking", "whole"}},
    {"ae::fs/whole", "io_read", {"aio", "whole"}},
};

const std::vector<std::string> kMedian = {"seconds", "mibps", "lag_max",
                                          "lag_p99", "ticks", "resident"};

std::string make_file(std::int64_t mib) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/ae-io-bench." +
                     std::to_string(::getpid());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  std::string block(1 << 20, '\0');
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 131);
  for (std::int64_t i = 0; i < mib; ++i) {
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
      ::close(fd);
      throw std::runtime_error("cannot write " + path);
    }
  }
  ::fsync(fd);  // written back, so that dropping the pages later leaves nothing dirty
  ::close(fd);
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto options = ae::bench::parse_options(
        argc, argv, {{"mib", 256}, {"chunk-kib", 1024}, {"runs", 3}},
        "usage: io_bench [--mib N] [--chunk-kib K] [--runs R]\n"
        "  file reads through ae::fs vs blocking read(2) on the loop thread, with the loop's\n"
        "  lag under a 1 ms timer\n");
    int runs = static_cast<int>(options["runs"]);
    std::string path = make_file(options["mib"]);
    ae::bench::print_machine(stdout);
    std::printf(
        "file %lld MiB, chunks of %lld KiB; seconds: wall time to read the file; lag_max and "
        "lag_p99: how late a 1 ms repeating timer fired meanwhile (ms); resident: %% of the "
        "file in the page cache when the read started\n",
        static_cast<long long>(options["mib"]), static_cast<long long>(options["chunk-kib"]));
    for (const char* cache : {"warm", "cold"}) {
      auto rows = ae::bench::run_implementations(
          kImplementations, {path, std::to_string(options["chunk-kib"]), cache}, runs, kMedian);
      ae::bench::print_results(
          stdout, std::string(cache) + " page cache, median of " + std::to_string(runs) + " runs",
          {{"name", "name"},
           {"mib", "MiB"},
           {"seconds", "seconds"},
           {"mibps", "MiB/s"},
           {"lag_max", "lag_max"},
           {"lag_p99", "lag_p99"},
           {"ticks", "ticks"},
           {"resident", "resident"}},
          rows, {"seconds", "lag_max", "lag_p99"}, "blocking/chunk");
    }
    ::unlink(path.c_str());
  });
}
