#include "tests/support/loop.h"

#include <uv.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <stdexcept>
#include <utility>

#include "core/backend/asio/asio.h"
#include "core/backend/uv/uv.h"
#include "tests/support/manual_backend.h"

namespace ae::testing {

// The foreign loops a borrowed backend runs on; they outlive the ae loop.
struct TestLoop::Foreign {
  boost::asio::io_context io{1};
  uv_loop_t uv{};
  bool uv_used = false;
  std::shared_ptr<void> added;  // what a registered variant borrows
  ~Foreign() {
    if (uv_used) {
      // Close callbacks of handles ae closed still have to run before the loop can close.
      uv_run(&uv, UV_RUN_NOWAIT);
      EXPECT_EQ(uv_loop_close(&uv), 0) << "the borrowed uv loop still has open handles";
    }
  }
};

namespace {

std::map<std::string, BackendVariant, std::less<>>& variants() {
  static std::map<std::string, BackendVariant, std::less<>> v;  // made on first use
  return v;
}

}  // namespace

void register_backend_variant(std::string name, BackendVariant make) {
  variants()[std::move(name)] = make;
}

std::vector<std::string> all_backends() { return {"asio", "asio_borrowed", "uv", "uv_borrowed"}; }

std::vector<std::string> main_backends() { return {"asio", "uv"}; }

std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

TestLoop::TestLoop(std::string_view backend)
    : backend_(backend), foreign_(std::make_unique<Foreign>()) {
  std::unique_ptr<Backend> made;
  if (backend == "asio_borrowed") {
    made = borrow_asio(foreign_->io);
  } else if (backend == "uv_borrowed") {
    uv_loop_init(&foreign_->uv);
    foreign_->uv_used = true;
    made = borrow_uv(&foreign_->uv);
  } else if (backend == "manual") {
    auto m = std::make_unique<ManualBackend>();
    manual_ = m.get();
    made = std::move(m);
  } else if (auto v = variants().find(backend); v != variants().end()) {
    made = v->second(foreign_->added);
  } else {
    made = make_backend(backend);
  }
  if (!made) throw std::runtime_error("backend not linked: " + backend_);
  loop_ = std::make_unique<Loop>(std::move(made));
  scope_ = std::make_unique<Loop::Scope>(*loop_);
}

TestLoop::~TestLoop() {
  if (check_watchers_) {
    // Closes, deferred frees and lingering writes may need an iteration or a moment. While this
    // waits, its own deadline is the one active watcher.
    for (int i = 0; i < 3; ++i) loop_->run_once(false);
    if (loop_->active_watchers() != 0) {
      bool expired = false;
      Timer limit = loop_->timer(Seconds(5), [&expired] { expired = true; });
      while (loop_->active_watchers() > 1 && !expired) loop_->run_once(true);
    }
    EXPECT_EQ(loop_->active_watchers(), 0u) << "a watcher outlived the test";
  }
  scope_.reset();
  loop_.reset();
  foreign_.reset();
}

void TestLoop::jump_wall_clock(Seconds d) {
  if (manual_ == nullptr) throw std::logic_error("jump_wall_clock() needs the \"manual\" backend");
  manual_->jump_wall_clock(d);
  manual_->schedule_now();  // as if the loop woke up just after the clock was set
  advance(Seconds(0));
}

void TestLoop::advance(Seconds d) {
  if (manual_ == nullptr) throw std::logic_error("advance() needs the \"manual\" backend");
  manual_->advance(d);
  loop_->now_update();  // ae::now() moves even when nothing is due
  // The first iteration also hands the backend the loop's current deadline. Bounded, because an
  // idle watcher or a zero-interval timer is always due.
  int i = 0;
  do {
    loop_->run_once(false);
  } while (++i < 100 && manual_->due());
}

}  // namespace ae::testing
