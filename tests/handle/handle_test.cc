// ae::Handle: queues, callbacks, end-of-file, errors, limits, timeouts, lifetime, on every
// backend variant.
#include "handle/handle.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/condvar.h"
#include "core/loop.h"
#include "tests/handle/test_util.h"

namespace ae::testing {
namespace {

using namespace std::chrono_literals;

struct ErrorSeen {
  int count = 0;
  bool fatal = false;
  std::error_code ec;
  std::string message;
  std::string rbuf_at_error;
};

Handle::ErrorCallback record(ErrorSeen& e) {
  return [&e](Handle& h, bool fatal, std::error_code ec, std::string_view message) {
    ++e.count;
    e.fatal = fatal;
    e.ec = ec;
    e.message = std::string(message);
    e.rbuf_at_error = std::string(h.rbuf().view());
  };
}

class HandleTest : public LoopTest {
 protected:
  // A Handle on one end of a unix socket pair (or TCP), the raw peer on the other.
  void open(Handle::Options options = {}, bool tcp = false) {
    auto [a, b] = tcp ? tcp_pair() : unix_pair();
    h = std::make_unique<Handle>(a, std::move(options));
    peer = std::make_unique<RawPeer>(b);
  }
  void TearDown() override {
    h.reset();
    peer.reset();
    LoopTest::TearDown();
  }
  std::unique_ptr<Handle> h;
  std::unique_ptr<RawPeer> peer;
};

TEST_P(HandleTest, ReadsLinesQueuedBeforeTheDataArrives) {
  open();
  std::vector<std::string> lines, eols;
  auto cb = [&](Handle&, std::string line, std::string eol) {
    lines.push_back(line);
    eols.push_back(eol);
  };
  h->push_read(line, cb);
  h->push_read(line, cb);
  peer->write("first\r\nsecond\n");
  ASSERT_TRUE(run_until([&] { return lines.size() == 2; }));
  EXPECT_EQ(lines, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(eols, (std::vector<std::string>{"\r\n", "\n"}));
}

TEST_P(HandleTest, PushWriteReachesThePeer) {
  open();
  h->push_write("hello ");
  h->push_write(std::string(100000, 'x'));
  ASSERT_TRUE(peer->wait_bytes(100006));
  EXPECT_EQ(peer->received().substr(0, 6), "hello ");
}

TEST_P(HandleTest, OnReadGetsDataWhenNoReaderIsQueued) {
  std::string got;
  open({.on_read = [&](Handle& h) {
    got += h.rbuf().view();
    h.rbuf().consume(h.rbuf().size());
  }});
  peer->write("abc");
  ASSERT_TRUE(run_until([&] { return got == "abc"; }));
}

TEST_P(HandleTest, ReaderNeverRunsInsidePushRead) {
  open();
  std::string first;
  h->push_read(chunk(1), [&](Handle&, std::string d) { first = d; });
  peer->write("ab");
  ASSERT_TRUE(run_until([&] { return !first.empty(); }));
  ASSERT_EQ(h->rbuf().view(), "b");
  std::string second;
  h->push_read(chunk(1), [&](Handle&, std::string d) { second = d; });
  EXPECT_EQ(second, "") << "the reader ran inside push_read";
  ASSERT_TRUE(run_until([&] { return !second.empty(); }));
  EXPECT_EQ(second, "b");
}

TEST_P(HandleTest, UnshiftReadInsideACallbackRunsBeforeQueuedReaders) {
  open();
  std::vector<std::string> order;
  h->push_read(line, [&](Handle& h, std::string l, std::string) {
    order.push_back("line1:" + l);
    h.unshift_read(chunk(2), [&](Handle&, std::string d) { order.push_back("chunk:" + d); });
  });
  h->push_read(line, [&](Handle&, std::string l, std::string) { order.push_back("line2:" + l); });
  peer->write("x\nyzw\n");
  ASSERT_TRUE(run_until([&] { return order.size() == 3; }));
  EXPECT_EQ(order, (std::vector<std::string>{"line1:x", "chunk:yz", "line2:w"}));
}

TEST_P(HandleTest, PushReadInsideACallbackRunsInTheSameDrain) {
  open();
  int lines = 0;
  std::function<void(Handle&, std::string, std::string)> again = [&](Handle& h, std::string,
                                                                     std::string) {
    if (++lines < 3) h.push_read(line, again);
  };
  h->push_read(line, again);
  peer->write("1\n2\n3\n");
  ASSERT_TRUE(run_until([&] { return lines == 3; }));
}

TEST_P(HandleTest, EndOfFileWithEmptyQueueCallsOnEofAfterOnRead) {
  std::string got;
  bool eof = false;
  open({.on_read =
            [&](Handle& h) {
              got += h.rbuf().view();
              h.rbuf().consume(h.rbuf().size());
            },
        .on_eof = [&](Handle&) { eof = true; }});
  peer->write("tail");
  peer->shutdown_write();
  ASSERT_TRUE(run_until([&] { return eof; }));
  EXPECT_EQ(got, "tail");
  EXPECT_FALSE(h->destroyed());
}

TEST_P(HandleTest, EndOfFileWithAPendingReaderIsFatalEpipe) {
  ErrorSeen e;
  open({.on_error = record(e)});
  h->push_read(chunk(10), [](Handle&, std::string) { FAIL() << "chunk delivered"; });
  peer->write("abc");
  peer->shutdown_write();
  ASSERT_TRUE(run_until([&] { return e.count > 0; }));
  EXPECT_TRUE(e.fatal);
  EXPECT_EQ(e.ec, std::errc::broken_pipe);
  EXPECT_EQ(e.rbuf_at_error, "abc") << "the unread bytes are still visible in on_error";
  EXPECT_TRUE(h->destroyed());
}

TEST_P(HandleTest, EndOfFileWithoutOnEofIsFatalErrnoZero) {
  ErrorSeen e;
  open({.on_error = record(e)});
  h->start_read();
  peer->shutdown_write();
  ASSERT_TRUE(run_until([&] { return e.count > 0; }));
  EXPECT_TRUE(e.fatal);
  EXPECT_EQ(e.ec.value(), 0);
  EXPECT_EQ(e.message, "Unexpected end-of-file");
}

TEST_P(HandleTest, EndOfFileWithOnReadConsumingNothingIsEpipe) {
  ErrorSeen e;
  int calls = 0;
  open({.on_error = record(e), .on_read = [&](Handle&) { ++calls; }});
  peer->write("stuck");
  ASSERT_TRUE(run_until([&] { return calls == 1; }));
  peer->shutdown_write();
  ASSERT_TRUE(run_until([&] { return e.count > 0; }));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(e.ec, std::errc::broken_pipe);
  EXPECT_TRUE(e.fatal);
}

TEST_P(HandleTest, ReadingStopsWhileNothingWantsData) {
  ErrorSeen e;
  open({.on_error = record(e)});
  std::string l1;
  h->push_read(line, [&](Handle&, std::string l, std::string) { l1 = l; });
  peer->write("l1\nl2");
  peer->shutdown_write();
  ASSERT_TRUE(run_until([&] { return !l1.empty(); }));
  // Nothing queued: the rest and the end-of-file go unnoticed (AnyEvent's probe).
  EXPECT_FALSE(run_until([&] { return e.count > 0; }, 0.2s));
  // A new reader sees them: the partial line cannot complete, so EPIPE.
  h->push_read(line, [](Handle&, std::string, std::string) {});
  ASSERT_TRUE(run_until([&] { return e.count > 0; }));
  EXPECT_EQ(e.ec, std::errc::broken_pipe);
  EXPECT_EQ(e.rbuf_at_error, "l2");
}

TEST_P(HandleTest, AReaderThatNeedsNoDataRunsWithoutWaitingForAny) {
  open();
  bool chunk_done = false;
  bool custom_done = false;
  h->push_read(chunk(0), [&](Handle&, std::string data) { chunk_done = data.empty(); });
  h->push_read([&](Handle&) {
    custom_done = true;
    return true;
  });
  ASSERT_TRUE(run_until([&] { return chunk_done && custom_done; }));
  EXPECT_TRUE(h->rbuf().empty());
}

TEST_P(HandleTest, StopReadPausesUntilTheNextReader) {
  std::string got;
  open();
  h->stop_read();
  peer->write("abc");
  h->push_read(chunk(3), [&](Handle&, std::string d) { got = d; });
  ASSERT_TRUE(run_until([&] { return got == "abc"; }));
}

TEST_P(HandleTest, DestroyInsideAReaderStopsEveryLaterCallback) {
  ErrorSeen e;
  bool eof = false;
  int second = 0;
  open({.on_error = record(e), .on_eof = [&](Handle&) { eof = true; }});
  h->push_read(line, [&](Handle& h, std::string, std::string) { h.destroy(); });
  h->push_read(line, [&](Handle&, std::string, std::string) { ++second; });
  peer->write("a\nb\n");
  peer->shutdown_write();
  ASSERT_TRUE(run_until([&] { return h->destroyed(); }));
  EXPECT_FALSE(run_until([&] { return e.count > 0 || eof || second > 0; }, 0.1s));
  EXPECT_EQ(h->fd(), -1);
  h->push_write("ignored");  // silent no-ops
  h->push_read(line, [&](Handle&, std::string, std::string) { ++second; });
  EXPECT_TRUE(peer->wait_eof());
}

TEST_P(HandleTest, DeletingTheHandleInsideItsOwnCallbacksIsSafe) {
  // Each callback kind deletes the Handle that called it.
  for (int kind = 0; kind < 4; ++kind) {
    SCOPED_TRACE(kind);
    open();
    bool gone = false;
    auto kill = [&](Handle&) {
      h.reset();
      gone = true;
    };
    switch (kind) {
      case 0:
        h->push_read(line, [&](Handle& x, std::string, std::string) { kill(x); });
        h->push_read(line, [](Handle&, std::string, std::string) { FAIL(); });
        peer->write("a\nb\n");
        break;
      case 1:
        h->on_eof(kill);
        h->start_read();
        peer->shutdown_write();
        break;
      case 2:
        h->on_error([&](Handle& x, bool, std::error_code, std::string_view) { kill(x); });
        h->push_read(chunk(5), [](Handle&, std::string) {});
        peer->close();
        break;
      case 3:
        h->on_timeout(kill);
        h->timeout(0.01);
        break;
    }
    ASSERT_TRUE(run_until([&] { return gone; }));
    EXPECT_EQ(h, nullptr);
    peer.reset();
  }
}

TEST_P(HandleTest, ReplacingOnReadInsideItselfIsSafe) {
  std::string log;
  open();
  h->on_read([&, big = std::string(64, 'x')](Handle& h) {
    h.on_read([&](Handle& h) {
      log += "second:" + std::string(h.rbuf().view());
      h.rbuf().consume(h.rbuf().size());
    });
    log += "first(" + std::to_string(big.size()) + "):" + std::string(h.rbuf().view()) + ";";
    h.rbuf().consume(h.rbuf().size());
  });
  peer->write("a");
  ASSERT_TRUE(run_until([&] { return !log.empty(); }));
  peer->write("b");
  ASSERT_TRUE(run_until([&] { return log.find("second") != std::string::npos; }));
  EXPECT_EQ(log, "first(64):a;second:b");
}

TEST_P(HandleTest, OnDrainFiresSoonAfterItIsSetAndAfterEachWrite) {
  open();
  int drains = 0;
  h->on_drain([&](Handle&) { ++drains; });
  EXPECT_EQ(drains, 0) << "never inside the setter";
  ASSERT_TRUE(run_until([&] { return drains == 1; }));
  h->push_write("x");
  EXPECT_EQ(drains, 1) << "never inside push_write";
  ASSERT_TRUE(run_until([&] { return drains == 2; }));
}

TEST_P(HandleTest, OnDrainCanFeedTheNextChunkWithoutStalling) {
  open();
  const std::string piece(50000, 'p');
  int sent = 0;
  h->on_drain([&](Handle& h) {
    if (sent < 40) {
      ++sent;
      h.push_write(piece);
    }
  });
  ASSERT_TRUE(peer->wait_bytes(40 * piece.size(), 10));
  EXPECT_EQ(sent, 40);
}

TEST_P(HandleTest, PushShutdownSendsEndOfFileAfterTheQueuedData) {
  open();
  std::string reply;
  h->push_write("request");
  h->push_shutdown();
  h->push_read(line, [&](Handle&, std::string l, std::string) { reply = l; });
  ASSERT_TRUE(peer->wait_eof());
  EXPECT_EQ(peer->received(), "request");
  peer->write("still readable\n");  // the read side stays open
  ASSERT_TRUE(run_until([&] { return !reply.empty(); }));
  EXPECT_EQ(reply, "still readable");
}

TEST_P(HandleTest, RbufMaxExceededIsFatalEnospc) {
  ErrorSeen e;
  open({.on_error = record(e), .rbuf_max = 10});
  h->push_read(line, [](Handle&, std::string, std::string) {});
  peer->write("0123456789abcdef");
  ASSERT_TRUE(run_until([&] { return e.count > 0; }));
  EXPECT_TRUE(e.fatal);
  EXPECT_EQ(e.ec, std::errc::no_space_on_device);
}

TEST_P(HandleTest, RbufMaxIsCheckedAfterTheReadersRan) {
  ErrorSeen e;
  open({.on_error = record(e), .rbuf_max = 4});
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i) {
    h->push_read(chunk(4), [&](Handle&, std::string d) { got.push_back(d); });
  }
  peer->write("aaaabbbbccccdddd");
  ASSERT_TRUE(run_until([&] { return got.size() == 4; }));
  EXPECT_EQ(e.count, 0);
}

TEST_P(HandleTest, WbufMaxExceededIsFatalEnospc) {
  ErrorSeen e;
  open({.on_error = record(e), .wbuf_max = 1000});
  h->push_write(std::string(8 << 20, 'w'));  // far more than the socket buffers take
  EXPECT_EQ(e.count, 0) << "never inside push_write";
  ASSERT_TRUE(run_until([&] { return e.count > 0; }));
  EXPECT_TRUE(e.fatal);
  EXPECT_EQ(e.ec, std::errc::no_space_on_device);
}

TEST_P(HandleTest, TimeoutWithoutCallbackRepeatsNonFatalEtimedout) {
  ErrorSeen e;
  open({.on_error = record(e), .rtimeout = 0.05});
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return e.count >= 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
  EXPECT_FALSE(e.fatal);
  EXPECT_EQ(e.ec, std::errc::timed_out);
  EXPECT_FALSE(h->destroyed());
}

TEST_P(HandleTest, TimeoutCallbackRunsAndTheTimerRearms) {
  int fired = 0;
  ErrorSeen e;
  open({.on_error = record(e), .timeout = 0.03, .on_timeout = [&](Handle&) { ++fired; }});
  ASSERT_TRUE(run_until([&] { return fired == 3; }));
  EXPECT_EQ(e.count, 0);
}

TEST_P(HandleTest, ReadSizeDoublesUpToTheMaximum) {
  open({.read_size = 16, .max_read_size = 64});
  std::string got;
  h->on_read([&](Handle& h) {
    got += h.rbuf().view();
    h.rbuf().consume(h.rbuf().size());
  });
  peer->write(std::string(1000, 'r'));
  ASSERT_TRUE(run_until([&] { return got.size() == 1000; }));
  EXPECT_EQ(h->read_size(), 64u);
}

TEST_P(HandleTest, LingerFlushesUnwrittenDataAfterDestroy) {
  open();
  const std::size_t size = 4 << 20;
  h->push_write(std::string(size, 'L'));
  ASSERT_FALSE(h->wbuf().empty());
  h.reset();  // the peer has not read anything yet
  ASSERT_TRUE(peer->wait_bytes(size, 10));
  EXPECT_TRUE(peer->wait_eof());
}

TEST_P(HandleTest, LingerZeroDropsUnwrittenData) {
  open({.linger = 0});
  h->push_write(std::string(4 << 20, 'L'));
  h.reset();
  ASSERT_TRUE(peer->wait_eof(10));
  EXPECT_LT(peer->received().size(), 4u << 20);
}

TEST_P(HandleTest, SocketOptionsAreApplied) {
  open({.no_delay = true, .keepalive = true}, /*tcp=*/true);
  auto get = [&](int level, int name) {
    int v = 0;
    socklen_t len = sizeof v;
    ::getsockopt(h->fd(), level, name, &v, &len);
    return v;
  };
  EXPECT_EQ(get(IPPROTO_TCP, TCP_NODELAY), 1);
  EXPECT_EQ(get(SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(get(SOL_SOCKET, SO_OOBINLINE), 1) << "on by default";
  h->no_delay(false);
  h->oobinline(false);
  EXPECT_EQ(get(IPPROTO_TCP, TCP_NODELAY), 0);
  EXPECT_EQ(get(SOL_SOCKET, SO_OOBINLINE), 0);
  EXPECT_NE(::fcntl(h->fd(), F_GETFL) & O_NONBLOCK, 0);
}

TEST_P(HandleTest, AutocorkWaitsForTheNextWritableEvent) {
  open({.autocork = true});
  h->push_write("corked");
  EXPECT_EQ(h->wbuf().view(), "corked") << "nothing written inside push_write";
  ASSERT_TRUE(peer->wait_bytes(6));
  EXPECT_EQ(peer->received(), "corked");
}

TEST_P(HandleTest, ConstructorRejectsNonStreamSockets) {
  int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(udp, 0);
  EXPECT_THROW(Handle{udp}, std::invalid_argument);
  ::close(udp);
  EXPECT_THROW(Handle{-1}, std::invalid_argument);
}

TEST_P(HandleTest, PipesWorkLikeSockets) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  Handle reader(p[0]);
  Handle writer(p[1]);
  std::string got;
  reader.push_read(line, [&](Handle&, std::string l, std::string) { got = l; });
  writer.push_write("through a pipe\n");
  ASSERT_TRUE(run_until([&] { return !got.empty(); }));
  EXPECT_EQ(got, "through a pipe");
}

TEST_P(HandleTest, AMovedHandleKeepsItsQueueAndCallbacks) {
  open();
  std::string got;
  Handle* seen = nullptr;
  h->push_read(line, [&](Handle& x, std::string l, std::string) {
    got = l;
    seen = &x;
  });
  auto moved = std::make_unique<Handle>(std::move(*h));
  EXPECT_TRUE(h->destroyed()) << "moved-from is empty";
  peer->write("moved\n");
  ASSERT_TRUE(run_until([&] { return !got.empty(); }));
  EXPECT_EQ(seen, moved.get());
  moved.reset();
}

TEST_P(HandleTest, AnEmptyHandleIsInert) {
  Handle empty;
  EXPECT_TRUE(empty.destroyed());
  EXPECT_EQ(empty.fd(), -1);
  empty.push_write("x");
  empty.push_read(line, [](Handle&, std::string, std::string) {});
  empty.destroy();
  EXPECT_TRUE(empty.rbuf().empty());
}

TEST_P(HandleTest, AnErrorWithoutOnErrorDestroysTheHandle) {
  open();
  h->start_read();
  peer->shutdown_write();  // end-of-file without on_eof: fatal, and nobody listens
  ASSERT_TRUE(run_until([&] { return h->destroyed(); }));
}

TEST_P(HandleTest, WriteErrorsArriveFromTheLoopNotFromPushWrite) {
  ErrorSeen e;
  open({.on_error = record(e)});
  peer->close();
  h->push_write("into the void");
  EXPECT_EQ(e.count, 0);
  ASSERT_TRUE(run_until([&] { return e.count > 0; }));
  EXPECT_TRUE(e.fatal);
  EXPECT_EQ(e.ec, std::errc::broken_pipe);
}

TEST_P(HandleTest, CustomReadersConsumeAndRaiseErrors) {
  ErrorSeen e;
  open({.on_error = record(e)});
  // A reader for "uppercase words": rejects lower-case input with a non-fatal EBADMSG.
  std::vector<std::string> words;
  std::function<bool(Handle&)> upper = [&](Handle& h) {
    auto v = h.rbuf().view();
    std::size_t sp = v.find(' ');
    if (sp == std::string_view::npos) return false;
    std::string w(v.substr(0, sp));
    h.rbuf().consume(sp + 1);
    for (char c : w) {
      if (c < 'A' || c > 'Z') {
        h.raise_error(std::make_error_code(std::errc::bad_message), "not upper case: " + w);
        return false;
      }
    }
    words.push_back(w);
    return true;
  };
  h->push_read([&](Handle& h) { return upper(h); });
  h->push_read([&](Handle& h) { return upper(h); });
  peer->write("lower UPPER ");
  ASSERT_TRUE(run_until([&] { return words.size() == 1 && e.count == 1; }));
  EXPECT_EQ(words[0], "UPPER");
  EXPECT_FALSE(e.fatal);
  EXPECT_EQ(e.ec, std::errc::bad_message);
}

INSTANTIATE_TEST_SUITE_P(Backends, HandleTest, ::testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace ae::testing
