// A gibibyte from nginx through on_body: every byte arrives in order, and the client's memory
// stays flat while it streams (the body is never collected, buffers do not grow with it).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "http/client.h"
#include "tests/http/support/nginx.h"
#include "tests/support/loop.h"
#include "tests/support/run_until.h"

namespace ae::http {
namespace {

using namespace std::chrono_literals;
using http_test::Nginx;

constexpr std::int64_t kGiB = std::int64_t{1} << 30;
constexpr std::size_t kMark = 1 << 20;

// The process's resident set in KiB, from /proc/self/status.
long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      long kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(1 << 16, '\n');
  }
  throw std::runtime_error("no VmRSS in /proc/self/status");
}

// A sparse 1 GiB file with random megabytes at its start, in its middle and at its end, so that
// a byte out of place changes the CRC. Returns the file's CRC-32.
std::uint32_t make_gibibyte(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  if (::ftruncate(fd, kGiB) != 0) throw std::runtime_error("cannot size " + path);
  std::mt19937 rng(7);
  std::string mark(kMark, '\0');
  for (char& c : mark) c = static_cast<char>(rng());
  for (std::int64_t at : {std::int64_t{0}, kGiB / 2 + 12345, kGiB - std::int64_t{kMark}}) {
    if (::pwrite(fd, mark.data(), mark.size(), at) != static_cast<ssize_t>(mark.size())) {
      throw std::runtime_error("cannot write " + path);
    }
  }
  ::close(fd);
  // The expected CRC, read back the way nginx will send it.
  std::ifstream in(path, std::ios::binary);
  std::string block(kMark, '\0');
  uLong crc = crc32(0, nullptr, 0);
  while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
    crc = crc32(crc, reinterpret_cast<const Bytef*>(block.data()), static_cast<uInt>(in.gcount()));
  }
  return static_cast<std::uint32_t>(crc);
}

TEST(ClientLargeTest, AGibibyteStreamsThroughOnBodyInConstantMemory) {
  ae::testing::TestLoop loop;
  Nginx nginx("large", 1, [](const Nginx::Ports& p, const std::string& dir) {
    return "  server {\n    listen 127.0.0.1:" + std::to_string(p[0]) + ";\n    root " + dir +
           "/html;\n    sendfile on;\n  }\n";
  });
  const std::uint32_t expected_crc = make_gibibyte(nginx.html() + "/gib.bin");
  nginx.start();

  std::int64_t received = 0;
  uLong crc = crc32(0, nullptr, 0);
  long rss_at_start = 0;
  long rss_max = 0;
  std::int64_t next_sample = 0;
  int calls = 0;
  Response final_hdr;
  Options options;
  options.decompress = false;
  options.on_header = [&](const Response& hdr) {
    rss_at_start = resident_kib();
    rss_max = rss_at_start;
    return hdr.status == 200;
  };
  options.on_body = [&](std::string_view piece, const Response&) {
    crc = crc32(crc, reinterpret_cast<const Bytef*>(piece.data()), static_cast<uInt>(piece.size()));
    received += static_cast<std::int64_t>(piece.size());
    if (received >= next_sample) {  // every 16 MiB
      rss_max = std::max(rss_max, resident_kib());
      next_sample = received + (16 << 20);
    }
    return true;
  };
  Request r =
      http_get(nginx.url("/gib.bin"), std::move(options), [&](std::string body, Response hdr) {
        ++calls;
        EXPECT_TRUE(body.empty());
        final_hdr = std::move(hdr);
      });
  ASSERT_TRUE(ae::testing::run_until([&] { return calls > 0; }, 600s)) << received << " bytes";
  rss_max = std::max(rss_max, resident_kib());

  EXPECT_EQ(calls, 1);
  EXPECT_EQ(final_hdr.status, 200) << final_hdr.reason;
  EXPECT_EQ(received, kGiB);
  EXPECT_EQ(static_cast<std::uint32_t>(crc), expected_crc) << "the bytes differ from the file";
  // Collecting the body would add 1 GiB; buffers that grew with it would add hundreds of MiB.
  // The read buffer and the parser's pieces are a few MiB at most.
  EXPECT_LT(rss_max - rss_at_start, 32 * 1024)
      << "the resident set grew from " << rss_at_start << " KiB to " << rss_max << " KiB";
  close_idle_connections();
}

}  // namespace
}  // namespace ae::http
