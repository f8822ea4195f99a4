// One implementation of the file-read benchmark (bench/io/main.cc): reads a file on a loop
// while a 1 ms timer runs, and reports the throughput and how late the timer fired.
//
// Usage: io_read METHOD SHAPE PATH CHUNK_KIB CACHE
//   METHOD  blocking: read(2) on the loop's thread; aio: ae::fs (the //io worker pool)
//   SHAPE   chunk: CHUNK_KIB at a time, one after another; whole: the file in one request
//   CACHE   warm: the file is read once before measuring; cold: its pages are dropped from the
//           page cache first (posix_fadvise DONTNEED), so the reads go to the disk
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench/common/measure.h"
#include "bench/common/result.h"
#include "core/core.h"
#include "io/aio.h"

namespace {

constexpr double kTickSeconds = 0.001;

// How late each tick of a 1 ms repeating timer came, in milliseconds.
class LagMeter {
 public:
  LagMeter()
      : last_(ae::bench::seconds_now()), timer_(ae::timer(kTickSeconds, kTickSeconds, [this] {
          double now = ae::bench::seconds_now();
          late_ms_.push_back((now - last_ - kTickSeconds) * 1e3);
          last_ = now;
        })) {}
  // Also counts the interval running now: a loop stalled since the last tick is that late.
  void stop() {
    double late = (ae::bench::seconds_now() - last_ - kTickSeconds) * 1e3;
    if (late > 0) late_ms_.push_back(late);
    timer_.reset();
  }
  double max_ms() const {
    return late_ms_.empty() ? 0 : *std::max_element(late_ms_.begin(), late_ms_.end());
  }
  double p99_ms() const {
    if (late_ms_.empty()) return 0;
    std::vector<double> sorted = late_ms_;
    std::sort(sorted.begin(), sorted.end());
    return sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)];
  }
  std::int64_t ticks() const { return static_cast<std::int64_t>(late_ms_.size()); }

 private:
  double last_;
  std::vector<double> late_ms_;
  ae::Timer timer_;
};

int open_or_throw(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  return fd;
}

// The share of the file's pages in the page cache, in percent.
double resident_percent(int fd, std::size_t size) {
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return -1;
  long page = ::sysconf(_SC_PAGESIZE);
  std::vector<unsigned char> in_core((size + page - 1) / page);
  double percent = -1;
  if (::mincore(map, size, in_core.data()) == 0) {
    std::size_t resident =
        std::count_if(in_core.begin(), in_core.end(), [](unsigned char c) { return (c & 1) != 0; });
    percent = 100.0 * static_cast<double>(resident) / static_cast<double>(in_core.size());
  }
  ::munmap(map, size);
  return percent;
}

void prepare_cache(const std::string& path, std::size_t size, bool cold) {
  int fd = open_or_throw(path);
  if (cold) {
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  } else {
    std::vector<char> buffer(1 << 20);
    while (::read(fd, buffer.data(), buffer.size()) > 0) {
    }
  }
  (void)size;
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    if (argc != 6) throw std::invalid_argument("usage: io_read METHOD SHAPE PATH CHUNK_KIB CACHE");
    std::string_view method = argv[1];
    std::string_view shape = argv[2];
    std::string path = argv[3];
    auto chunk = static_cast<std::size_t>(ae::bench::parse_count(argv[4], "CHUNK_KIB")) * 1024;
    bool cold = std::string_view(argv[5]) == "cold";
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + path);
    auto size = static_cast<std::size_t>(st.st_size);
    prepare_cache(path, size, cold);
    int probe = open_or_throw(path);
    double resident = resident_percent(probe, size);
    ::close(probe);

    ae::Loop loop;
    ae::Loop::Scope scope(loop);
    std::size_t got = 0;
    bool done = false;
    LagMeter lag;
    double t0 = ae::bench::seconds_now();
    ae::Idle reader;
    ae::Timer once;
    ae::Guard request;
    ae::fs::File file;
    std::function<void()> read_next;
    std::string buffer;
    int fd = -1;

    if (method == "blocking" && shape == "chunk") {
      fd = open_or_throw(path);
      buffer.resize(chunk);
      reader = ae::idle([&] {
        ssize_t n = ::read(fd, buffer.data(), chunk);
        if (n > 0) {
          got += static_cast<std::size_t>(n);
          return;
        }
        done = true;
        reader.reset();
      });
    } else if (method == "blocking" && shape == "whole") {
      fd = open_or_throw(path);
      once = ae::timer(0.0, [&] {
        buffer.resize(size);
        ssize_t n;
        while (got < size && (n = ::read(fd, buffer.data() + got, size - got)) > 0) {
          got += static_cast<std::size_t>(n);
        }
        done = true;
      });
    } else if (method == "aio" && shape == "chunk") {
      file = ae::fs::File(open_or_throw(path));
      read_next = [&] {
        request = ae::fs::aio_read(file, chunk, [&](ae::Result<std::string> data) {
          if (!data) throw std::runtime_error(data.message());
          if (data->empty()) {
            done = true;
            return;
          }
          got += data->size();
          read_next();
        });
      };
      read_next();
    } else if (method == "aio" && shape == "whole") {
      request = ae::fs::aio_load(path, [&](ae::Result<std::string> data) {
        if (!data) throw std::runtime_error(data.message());
        got = data->size();
        done = true;
      });
    } else {
      throw std::invalid_argument("unknown METHOD or SHAPE");
    }
    while (!done) loop.run_once();
    double seconds = ae::bench::seconds_now() - t0;
    lag.stop();
    if (fd >= 0) ::close(fd);
    if (got != size) throw std::runtime_error("read " + std::to_string(got) + " bytes");

    ae::bench::Result r;
    r.set("name", std::string(method == "aio" ? "ae::fs" : "blocking") + "/" + std::string(shape))
        .set("mib", static_cast<std::int64_t>(size >> 20))
        .set("seconds", seconds, 3)
        .set("mibps", static_cast<double>(size) / (1 << 20) / seconds, 0)
        .set("lag_max", lag.max_ms(), 2)
        .set("lag_p99", lag.p99_ms(), 2)
        .set("ticks", lag.ticks())
        .set("resident", resident, 0)
        .set("comment", method == "aio"
                            ? (shape == "chunk" ? "aio_read chained, one at a time" : "aio_load")
                            : (shape == "chunk" ? "read(2) per idle callback"
                                                : "read(2) of the whole file in one callback"));
    r.print();
  });
}
