// ae inside a program's own loop: ae watchers fire from the program's io_context::run() or
// uv_run(), interleaved with native handlers, and the program's run returns when everything
// is done.
#include <uv.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/backend/asio/asio.h"
#include "core/backend/uv/uv.h"
#include "core/condvar.h"
#include "core/loop.h"

namespace ae {
namespace {

using namespace std::chrono_literals;

// Each timer is started by the one before it, from the other side, so the order holds however
// late the timers fire on a busy machine.
TEST(BorrowedAsioTest, AeAndAsioTimersInterleaveInOneRun) {
  boost::asio::io_context io;
  Loop loop(borrow_asio(io));
  Loop::Scope scope(loop);
  EXPECT_EQ(asio_context(loop), &io);
  std::vector<std::string> order;
  boost::asio::steady_timer a(io, 1ms), c(io);
  Timer b, d;
  a.async_wait([&](auto) {
    order.push_back("asio 1");
    b = timer(0.001, [&] {
      order.push_back("ae 2");
      c.expires_after(1ms);
      c.async_wait([&](auto) {
        order.push_back("asio 3");
        d = timer(0.001, [&] { order.push_back("ae 4"); });
      });
    });
  });
  io.run();  // returns: nothing is left to wait for on either side
  EXPECT_EQ(order, (std::vector<std::string>{"asio 1", "ae 2", "asio 3", "ae 4"}));
}

TEST(BorrowedAsioTest, RunReturnsWhenTheLastAeWatcherIsDestroyedByAnAsioHandler) {
  boost::asio::io_context io;
  Loop loop(borrow_asio(io));
  Loop::Scope scope(loop);
  int ticks = 0;
  Timer repeating = timer(0.0, 0.005, [&] { ++ticks; });
  boost::asio::steady_timer stop(io, 30ms);
  stop.async_wait([&](auto) { repeating.reset(); });
  io.run();
  EXPECT_GE(ticks, 1);  // at least the immediate one; how many more depends on the machine
}

TEST(BorrowedAsioTest, ExceptionsFromAeCallbacksLeaveTheProgramsRun) {
  boost::asio::io_context io;
  Loop loop(borrow_asio(io));
  Loop::Scope scope(loop);
  Timer t = timer(0.0, [] { throw std::runtime_error("from ae"); });
  EXPECT_THROW(io.run(), std::runtime_error);
  // The loop keeps working afterwards.
  int calls = 0;
  Timer u = timer(0.0, [&] { ++calls; });
  io.restart();
  io.run();
  EXPECT_EQ(calls, 1);
}

TEST(BorrowedAsioTest, CondVarRecvRunsTheProgramsHandlersToo) {
  boost::asio::io_context io;
  Loop loop(borrow_asio(io));
  Loop::Scope scope(loop);
  CondVar<int> cv;
  boost::asio::post(io, [cv]() mutable { cv.send(5); });
  EXPECT_EQ(cv.recv(), 5);
}

TEST(BorrowedAsioTest, UnreferencedWatchersLetTheProgramsRunReturn) {
  boost::asio::io_context io;
  Loop loop(borrow_asio(io));
  Loop::Scope scope(loop);
  Timer housekeeping = timer(3600.0, [] {});
  housekeeping.unref();
  int fired = 0;
  Timer work = timer(0.0, [&] { ++fired; });
  io.run();  // returns once `work` has fired
  EXPECT_EQ(fired, 1);
}

TEST(BorrowedUvTest, UnreferencedWatchersFireWhileTheProgramsHandlesKeepItRunning) {
  uv_loop_t uv;
  ASSERT_EQ(uv_loop_init(&uv), 0);
  int ticks = 0;
  {
    Loop loop(borrow_uv(&uv));
    Loop::Scope scope(loop);
    struct Native {
      uv_timer_t handle;
      int* ticks;
    } native{{}, &ticks};
    // The program's own repeating timer keeps uv_run() going until ae's unreferenced timer
    // has ticked three times; then it closes, and uv_run() returns though ae's timer lives on.
    uv_timer_init(&uv, &native.handle);
    native.handle.data = &native;
    uv_timer_start(
        &native.handle,
        [](uv_timer_t* h) {
          if (*static_cast<Native*>(h->data)->ticks >= 3) {
            uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
          }
        },
        1, 1);
    Timer tick = timer(0.0, 0.001, [&] { ++ticks; });
    tick.unref();
    uv_run(&uv, UV_RUN_DEFAULT);
    EXPECT_TRUE(tick.active());
  }
  uv_run(&uv, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&uv), 0);
  EXPECT_GE(ticks, 3);
}

TEST(BorrowedUvTest, AeAndUvTimersInterleaveInOneRun) {
  uv_loop_t uv;
  ASSERT_EQ(uv_loop_init(&uv), 0);
  std::vector<std::string> order;
  {
    Loop loop(borrow_uv(&uv));
    Loop::Scope scope(loop);
    EXPECT_EQ(uv_loop(loop), &uv);
    struct Native {
      uv_timer_t handle;
      std::vector<std::string>* order;
      const char* name;
    };
    Native a{{}, &order, "uv 10ms"}, c{{}, &order, "uv 30ms"};
    // Each side measures from its own cached time; both are taken now, not when each loop was
    // made (a busy machine may put more than 10 ms between the two).
    uv_update_time(&uv);
    loop.now_update();
    for (auto [n, ms] : {std::pair{&a, 10}, std::pair{&c, 30}}) {
      uv_timer_init(&uv, &n->handle);
      n->handle.data = n;
      uv_timer_start(
          &n->handle,
          [](uv_timer_t* h) {
            auto* self = static_cast<Native*>(h->data);
            self->order->push_back(self->name);
            uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
          },
          static_cast<std::uint64_t>(ms), 0);
    }
    Timer b = timer(0.02, [&] { order.push_back("ae 20ms"); });
    Timer d = timer(0.04, [&] { order.push_back("ae 40ms"); });
    uv_run(&uv, UV_RUN_DEFAULT);  // returns: nothing is left on either side
  }
  uv_run(&uv, UV_RUN_NOWAIT);  // the close callbacks of ae's handles
  EXPECT_EQ(uv_loop_close(&uv), 0);
  EXPECT_EQ(order, (std::vector<std::string>{"uv 10ms", "ae 20ms", "uv 30ms", "ae 40ms"}));
}

TEST(BorrowedUvTest, ExceptionsStopTheUvRunAndAreKeptForTheProgram) {
  uv_loop_t uv;
  ASSERT_EQ(uv_loop_init(&uv), 0);
  {
    Loop loop(borrow_uv(&uv));
    Loop::Scope scope(loop);
    Timer t = timer(0.0, [] { throw std::runtime_error("from ae"); });
    uv_run(&uv, UV_RUN_DEFAULT);  // stopped by ae, not unwound through
    EXPECT_THROW(uv_rethrow_pending(loop), std::runtime_error);
    EXPECT_NO_THROW(uv_rethrow_pending(loop)) << "rethrown once";
  }
  uv_run(&uv, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&uv), 0);
}

}  // namespace
}  // namespace ae
