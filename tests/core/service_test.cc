// Per-loop services: Loop::service<T>() and find_service<T>().
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/condvar.h"
#include "core/loop.h"

namespace ae {
namespace {

using namespace std::chrono_literals;

// What the services below did, in order.
std::vector<std::string>& journal() {
  static std::vector<std::string> events;
  return events;
}

struct Plain {
  int value = 7;
};

struct WithLoop {
  explicit WithLoop(Loop& l) : loop(&l) {}
  Loop* loop;
};

// Keeps a watcher and a postponed call of its loop, and uses both while it is destroyed.
class Pool {
 public:
  explicit Pool(Loop& loop) : loop_(loop) {
    idle_timer_ = loop.timer(1h, [] {});
    journal().push_back("Pool made");
  }
  void shutdown() {
    journal().push_back("Pool shutdown");
    idle_timer_.reset();
  }
  ~Pool() {
    // The loop still works here: watchers can be made and dropped, calls postponed.
    {
      Timer t = loop_.timer(0, [] {});
    }
    loop_.postpone([] {});
    journal().push_back("Pool destroyed, active watchers " +
                        std::to_string(loop_.active_watchers()));
  }

 private:
  Loop& loop_;
  Timer idle_timer_;
};

// Asks for a Pool in its constructor: the Pool is made first, so it is destroyed last.
class Registry {
 public:
  explicit Registry(Loop& loop) : pool_(loop.service<Pool>()) {
    journal().push_back("Registry made");
  }
  void shutdown() { journal().push_back("Registry shutdown"); }
  ~Registry() { journal().push_back("Registry destroyed"); }
  Pool& pool_;
};

struct NoShutdown {
  ~NoShutdown() { journal().push_back("NoShutdown destroyed"); }
};

TEST(ServiceTest, MadeOnFirstUseAndTheSameObjectAfterwards) {
  Loop loop;
  EXPECT_EQ(loop.find_service<Plain>(), nullptr);
  Plain& p = loop.service<Plain>();
  EXPECT_EQ(p.value, 7);
  p.value = 8;
  EXPECT_EQ(&loop.service<Plain>(), &p);
  EXPECT_EQ(loop.find_service<Plain>(), &p);
  EXPECT_EQ(loop.service<Plain>().value, 8);
}

TEST(ServiceTest, ABuildableFromALoopIsGivenItsLoop) {
  Loop loop;
  EXPECT_EQ(loop.service<WithLoop>().loop, &loop);
}

TEST(ServiceTest, EachLoopHasItsOwn) {
  Loop a, b;
  EXPECT_NE(&a.service<Plain>(), &b.service<Plain>());
  EXPECT_EQ(a.service<WithLoop>().loop, &a);
  EXPECT_EQ(b.service<WithLoop>().loop, &b);
}

TEST(ServiceTest, AllAreShutDownThenDestroyedNewestFirstWhileTheLoopStillWorks) {
  journal().clear();
  {
    Loop loop;
    loop.service<NoShutdown>();
    loop.service<Registry>();               // makes Pool first
    EXPECT_EQ(loop.active_watchers(), 1u);  // the Pool's timer
  }
  EXPECT_EQ(journal(), (std::vector<std::string>{
                           "Pool made",
                           "Registry made",
                           "Registry shutdown",
                           "Pool shutdown",
                           "Registry destroyed",
                           "Pool destroyed, active watchers 0",
                           "NoShutdown destroyed",
                       }));
}

struct Recursive {
  explicit Recursive(Loop& loop) { loop.service<Recursive>(); }
};

TEST(ServiceTest, AConstructorAskingForItselfThrows) {
  Loop loop;
  EXPECT_THROW(loop.service<Recursive>(), std::logic_error);
  EXPECT_EQ(loop.find_service<Recursive>(), nullptr);
}

struct FailsOnce {
  static inline int attempts = 0;
  FailsOnce() {
    if (++attempts == 1) throw std::runtime_error("not yet");
  }
};

TEST(ServiceTest, AConstructorThatThrowsLeavesNoServiceAndTheNextCallTriesAgain) {
  Loop loop;
  EXPECT_THROW(loop.service<FailsOnce>(), std::runtime_error);
  EXPECT_EQ(loop.find_service<FailsOnce>(), nullptr);
  loop.service<FailsOnce>();
  EXPECT_EQ(FailsOnce::attempts, 2);
}

// A service made from another one's destructor, while the loop is being destroyed.
struct Late {
  void shutdown() { journal().push_back("Late shutdown"); }
  ~Late() { journal().push_back("Late destroyed"); }
};
struct MakesLate {
  explicit MakesLate(Loop& l) : loop(l) {}
  ~MakesLate() {
    EXPECT_EQ(loop.find_service<MakesLate>(), nullptr);  // it is going
    loop.service<Late>();
    journal().push_back("MakesLate destroyed");
  }
  Loop& loop;
};

TEST(ServiceTest, OneMadeDuringTheLoopsDestructionIsShutDownAndDestroyedToo) {
  journal().clear();
  { Loop().service<MakesLate>(); }
  EXPECT_EQ(journal(),
            (std::vector<std::string>{"MakesLate destroyed", "Late shutdown", "Late destroyed"}));
}

struct ThrowingShutdown {
  void shutdown() { throw std::runtime_error("shutdown failed"); }
  ~ThrowingShutdown() { journal().push_back("ThrowingShutdown destroyed"); }
};

TEST(ServiceTest, AShutdownThatThrowsIsReportedAndTheServiceStillDestroyed) {
  journal().clear();
  { Loop().service<ThrowingShutdown>(); }
  EXPECT_EQ(journal(), (std::vector<std::string>{"ThrowingShutdown destroyed"}));
}

struct RecordsThread {
  std::thread::id* destroyed_on = nullptr;
  ~RecordsThread() {
    if (destroyed_on != nullptr) *destroyed_on = std::this_thread::get_id();
  }
};

TEST(ServiceTest, TheDefaultLoopOfAThreadDestroysItsServicesOnThatThreadWhenItEnds) {
  std::thread::id made_on, destroyed_on;
  std::thread worker([&] {
    made_on = std::this_thread::get_id();
    Loop::current().service<RecordsThread>().destroyed_on = &destroyed_on;
  });
  worker.join();
  EXPECT_EQ(destroyed_on, made_on);
}

}  // namespace
}  // namespace ae
