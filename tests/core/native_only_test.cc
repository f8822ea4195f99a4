// A program built on //core/backend/native alone: no Boost.Asio is linked (tests/deps checks
// the closure), and the default loop, AE_MODEL or not, is a native one that runs watchers.
#include <gtest/gtest.h>

#include "core/backend.h"
#include "core/backend/native/native.h"
#include "core/condvar.h"
#include "core/loop.h"
#include "core/watchers.h"

namespace ae {
namespace {

TEST(NativeOnlyTest, DefaultLoopIsNativeWithoutAsio) {
  EXPECT_EQ(linked_backends(), "native");
  EXPECT_EQ(make_backend("asio"), nullptr);
  Loop loop;
  EXPECT_EQ(loop.model(), "native");
  Loop::Scope scope(loop);
  CondVar<int> fired;
  Timer t = timer(0.001, [&] { fired.send(42); });
  EXPECT_EQ(fired.recv(), 42);
}

TEST(NativeOnlyTest, PickedInCode) {
  Loop loop(make_native_backend());
  EXPECT_EQ(loop.model(), "native");
  int runs = 0;
  Timer t = loop.timer(Seconds(0), [&] { ++runs; });
  loop.run();
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace ae
