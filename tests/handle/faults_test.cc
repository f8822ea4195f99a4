// Handle under bad input and misbehaving peers: resets, half-closes, stalls, a 256 MB line
// against rbuf_max, garbage in every framed read type, end-of-file with reads queued. Each gives
// its documented error, and whatever was read but not delivered is still in rbuf() when on_error
// runs.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "handle/handle.h"
#include "handle/json.h"
#include "handle/regex.h"
#include "tests/handle/test_util.h"

namespace ae::testing {
namespace {

struct Errors {
  std::vector<std::error_code> codes;
  std::vector<bool> fatal;
  std::string rbuf_at_last;
  std::size_t count() const { return codes.size(); }
};

Handle::ErrorCallback record(Errors& e) {
  return [&e](Handle& h, bool fatal, std::error_code ec, std::string_view) {
    e.codes.push_back(ec);
    e.fatal.push_back(fatal);
    e.rbuf_at_last = std::string(h.rbuf().view());
  };
}

// Peak resident memory since the last reset, in kB (Linux /proc).
long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmHWM:") {
      status >> value;
      return value;
    }
    status.ignore(1 << 20, '\n');
  }
  return -1;
}

bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear.flush());
}

class FaultsTest : public LoopTest {};

TEST_P(FaultsTest, APeerResetMidLineIsFatalAndLeavesThePartialLineVisible) {
  auto [a, b] = tcp_pair();
  Errors e;
  Handle h(a, {.on_error = record(e)});
  RawPeer peer(b);
  h.push_read(line, [](Handle&, std::string, std::string) { FAIL() << "no line was complete"; });
  peer.write("half a li");
  ASSERT_TRUE(run_until([&] { return h.rbuf().size() == 9; }));
  peer.reset();
  ASSERT_TRUE(run_until([&] { return e.count() > 0; }));
  EXPECT_TRUE(e.fatal[0]);
  EXPECT_EQ(e.codes[0], std::errc::connection_reset);
  EXPECT_EQ(e.rbuf_at_last, "half a li");
  EXPECT_TRUE(h.destroyed());
}

TEST_P(FaultsTest, AHalfClosedPeerStillGetsTheReply) {
  // The peer sends its request and shuts its write side; the reply still reaches it. (A Handle
  // reads only while something wants data, so on_read collects the request; on_eof answers.)
  auto [a, b] = tcp_pair();
  Errors e;
  std::string request;
  Handle h(a, {.on_error = record(e),
               .on_read =
                   [&](Handle& h) {
                     request += h.rbuf().view();
                     h.rbuf().consume(h.rbuf().size());
                   },
               .on_eof =
                   [&](Handle& h) {
                     h.push_write("answer to " + request);
                     h.push_shutdown();
                   }});
  RawPeer peer(b);
  peer.write("question\n");
  peer.shutdown_write();
  ASSERT_TRUE(peer.wait_eof());
  EXPECT_EQ(peer.received(), "answer to question\n");
  EXPECT_EQ(e.count(), 0u);
}

TEST_P(FaultsTest, AStallingReaderTriggersTheReadTimeout) {
  auto [a, b] = unix_pair();
  Errors e;
  Handle h(a, {.on_error = record(e), .rtimeout = 0.1});
  RawPeer peer(b);
  h.push_read(line, [](Handle&, std::string, std::string) {});
  peer.write("the start of a line that never ends");
  ASSERT_TRUE(run_until([&] { return e.count() >= 2; }));
  EXPECT_EQ(e.codes[0], std::errc::timed_out);
  EXPECT_FALSE(e.fatal[0]);
  EXPECT_EQ(e.rbuf_at_last, "the start of a line that never ends");
}

TEST_P(FaultsTest, APeerThatStopsReadingTriggersTheWriteTimeout) {
  Errors e;
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);  // a pipe nobody reads: writes stall, no EPIPE
  Handle w(p[1], {.on_error = record(e), .wtimeout = 0.1});
  w.push_write(std::string(1 << 20, 'w'));
  ASSERT_TRUE(run_until([&] {
    for (std::size_t i = 0; i < e.count(); ++i) {
      if (e.codes[i] == std::errc::timed_out) return true;
    }
    return false;
  }));
  EXPECT_FALSE(w.wbuf().empty()) << "data stays queued; the timeout says so";
  ::close(p[0]);
}

TEST_P(FaultsTest, AHugeLineAgainstRbufMaxIsEnospcWithBoundedMemory) {
  auto [a, b] = unix_pair();
  const std::size_t kMax = 1 << 20;
  const std::size_t kLine = 256u << 20;
  Errors e;
  std::size_t buffered_at_error = 0;
  Handle h(a, {.on_error =
                   [&](Handle& h, bool fatal, std::error_code ec, std::string_view) {
                     e.codes.push_back(ec);
                     e.fatal.push_back(fatal);
                     buffered_at_error = h.rbuf().size();
                   },
               .rbuf_max = kMax});
  h.push_read(line, [](Handle&, std::string, std::string) { FAIL() << "no line ends"; });
  const bool peak_resettable = reset_peak_rss();
  const long rss_before = peak_rss_kb();
  // The peer streams a 256 MB line from one 64 KB block, in its own thread.
  std::atomic<std::size_t> sent{0};
  std::thread writer([fd = b, &sent] {
    const std::string block(64 * 1024, 'x');
    while (sent < kLine) {
      ssize_t n = ::send(fd, block.data(), block.size(), MSG_NOSIGNAL);
      if (n <= 0) break;  // the Handle gave up and closed its end
      sent += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  bool failed = run_until([&] { return e.count() > 0; }, 60s);
  writer.join();
  ASSERT_TRUE(failed);
  EXPECT_TRUE(e.fatal[0]);
  EXPECT_EQ(e.codes[0], std::errc::no_space_on_device);
  EXPECT_GT(buffered_at_error, kMax);
  EXPECT_LE(buffered_at_error, kMax + 131072);
  EXPECT_LT(sent.load(), kLine / 8) << "the writer was cut off long before 256 MB";
  if (peak_resettable) {
    long grown_mb = (peak_rss_kb() - rss_before) / 1024;
    std::printf("peak RSS growth while reading: %ld MB\n", grown_mb);
    EXPECT_LT(grown_mb, 64) << "memory stayed bounded by rbuf_max, not the line";
  }
}

TEST_P(FaultsTest, EndOfFileWithReadsQueuedIsEpipeAndSaysHowMany) {
  auto [a, b] = unix_pair();
  std::string message;
  std::error_code error;
  std::string left;
  Handle h(a, {.on_error = [&](Handle& h, bool, std::error_code ec, std::string_view m) {
             error = ec;
             message = std::string(m);
             left = std::string(h.rbuf().view());
           }});
  RawPeer peer(b);
  h.push_read(chunk(4), [](Handle&, std::string) {});
  h.push_read(netstring, [](Handle&, std::string) {});
  h.push_read(json, [](Handle&, nlohmann::json) {});
  peer.write("abcd5:xy");
  peer.close();
  ASSERT_TRUE(run_until([&] { return bool(error); }));
  EXPECT_EQ(error, std::errc::broken_pipe);
  EXPECT_NE(message.find("2 read request(s) queued"), std::string::npos) << message;
  EXPECT_EQ(left, "5:xy");
}

TEST_P(FaultsTest, GarbageNetstringsAndJsonAreEbadmsgNotCrashes) {
  auto [a, b] = unix_pair();
  Errors e;
  Handle h(a, {.on_error = record(e)});
  RawPeer peer(b);
  h.push_read(netstring, [](Handle&, std::string) { FAIL() << "garbage accepted"; });
  peer.write("GET / HTTP/1.0\r\n");
  ASSERT_TRUE(run_until([&] { return e.count() > 0; }));
  EXPECT_EQ(e.codes[0], std::errc::bad_message);
  EXPECT_FALSE(e.fatal[0]);
  EXPECT_EQ(e.rbuf_at_last, "GET / HTTP/1.0\r\n") << "kept for the application to inspect";
  h.destroy();

  auto [c, d] = unix_pair();
  Errors je;
  Handle j(c, {.on_error = record(je)});
  RawPeer jpeer(d);
  int values = 0;
  std::function<void(Handle&, nlohmann::json)> again = [&](Handle& h, nlohmann::json) {
    ++values;
    h.push_read(json, again);
  };
  j.push_read(json, again);
  jpeer.write("{\"a\":} [1 2] {\"ok\":1} ]]]] nul {\"ok\":2}");
  ASSERT_TRUE(run_until([&] { return values == 2; }));
  EXPECT_GE(je.count(), 3u);
  for (std::size_t i = 0; i < je.count(); ++i) {
    EXPECT_EQ(je.codes[i], std::errc::bad_message);
    EXPECT_FALSE(je.fatal[i]);
  }
}

// A number the parser cannot represent throws out_of_range, not parse_error: it must still be a
// non-fatal EBADMSG for that text, not an exception that ends the program.
TEST_P(FaultsTest, JsonNumberOverflowIsEbadmsgAndTheNextTextStillArrives) {
  auto [a, b] = unix_pair();
  Errors e;
  Handle h(a, {.on_error = record(e)});
  RawPeer peer(b);
  std::vector<nlohmann::json> values;
  std::function<void(Handle&, nlohmann::json)> again = [&](Handle& h, nlohmann::json v) {
    values.push_back(std::move(v));
    h.push_read(json, again);
  };
  h.push_read(json, again);
  peer.write("[1e999] {\"big\":-1e400} [2]");
  ASSERT_TRUE(run_until([&] { return !values.empty(); }));
  EXPECT_EQ(values[0], nlohmann::json({2}));
  ASSERT_EQ(e.count(), 2u);
  for (std::size_t i = 0; i < e.count(); ++i) {
    EXPECT_EQ(e.codes[i], std::errc::bad_message);
    EXPECT_FALSE(e.fatal[i]);
  }
  EXPECT_FALSE(h.destroyed());
}

TEST_P(FaultsTest, RandomBytesNeverCrashOrHangAnyFramedReader) {
  std::mt19937 rng(12345);
  std::string noise(256 * 1024, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  // Each framed reader, re-queued after every result, reads the noise then end-of-file: the end is
  // an error or on_eof, and nothing crashes or spins.
  for (int kind = 0; kind < 5; ++kind) {
    SCOPED_TRACE(kind);
    auto [a, b] = unix_pair();
    bool done = false;
    int errors = 0;
    Handle h(a, {.on_error =
                     [&](Handle&, bool fatal, std::error_code, std::string_view) {
                       ++errors;
                       if (fatal) done = true;
                     },
                 .on_eof = [&](Handle&) { done = true; },
                 .rbuf_max = 64 * 1024});
    std::function<void(Handle&)> queue = [&](Handle& h) {
      switch (kind) {
        case 0:
          h.push_read(netstring, [&](Handle& h, std::string) { queue(h); });
          break;
        case 1:
          h.push_read(packstring("w"), [&](Handle& h, std::string) { queue(h); });
          break;
        case 2:
          h.push_read(json, [&](Handle& h, nlohmann::json) { queue(h); });
          break;
        case 3:
          h.push_read(line(Regex("\r\n\r\n")),
                      [&](Handle& h, std::string, std::string) { queue(h); });
          break;
        case 4:
          h.push_read(packstring("N"), [&](Handle& h, std::string) { queue(h); });
          break;
      }
    };
    queue(h);
    std::thread writer([fd = b, &noise] {
      std::size_t off = 0;
      while (off < noise.size()) {
        ssize_t n = ::send(fd, noise.data() + off, noise.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
      ::close(fd);
    });
    EXPECT_TRUE(run_until([&] { return done; }, 30s));
    writer.join();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, FaultsTest, ::testing::ValuesIn(main_backends()), backend_name);

}  // namespace
}  // namespace ae::testing
