// The watcher benchmark written natively against libuv (uv_poll_t, uv_timer_t).
//
// libuv allows one active uv_poll_t per fd ("it is not okay to have multiple active poll handles
// for the same socket"), so, as AnyEvent's bench did for loops with that restriction, each io
// watcher watches its own dup() of the fd. The dup() is part of create and the close() part of
// destroy; the kernel memory of the duplicated descriptors is not in the RSS figure. The number
// of io watchers is limited by RLIMIT_NOFILE.
//
// Usage: watchers_libuv <watchers>
#include <fcntl.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "bench/common/measure.h"
#include "bench/common/result.h"
#include "bench/watchers/harness.h"

namespace {

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + uv_strerror(rc));
}

class LibuvBench final : public ae::bench::WatcherBench {
 public:
  LibuvBench() { check(uv_loop_init(&loop_), "uv_loop_init"); }
  ~LibuvBench() override { uv_loop_close(&loop_); }

  void create(int fd, std::size_t pairs, ae::bench::CallCounter& counter) override {
    counter_ = &counter;
    // libuv handles must not move once initialised: size the arrays first.
    polls_.resize(pairs);
    timers_.resize(pairs);
    fds_.reserve(pairs);
    for (std::size_t k = 0; k < pairs; ++k) {
      int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (copy < 0) throw std::system_error(errno, std::generic_category(), "dup");
      fds_.push_back(copy);
      check(uv_poll_init(&loop_, &polls_[k], copy), "uv_poll_init");
      polls_[k].data = this;
      check(uv_poll_start(&polls_[k], UV_WRITABLE, &LibuvBench::on_poll), "uv_poll_start");
      check(uv_timer_init(&loop_, &timers_[k]), "uv_timer_init");
      timers_[k].data = this;
      check(uv_timer_start(&timers_[k], &LibuvBench::on_timer, 0, 0), "uv_timer_start");
    }
  }

  void invoke() override { uv_run(&loop_, UV_RUN_DEFAULT); }

  void destroy() override {
    // A libuv handle is freed only after its close callback ran, on the next iteration.
    for (auto t = timers_.rbegin(); t != timers_.rend(); ++t) {
      uv_close(reinterpret_cast<uv_handle_t*>(&*t), nullptr);
    }
    for (std::size_t k = polls_.size(); k-- > 0;) {
      uv_close(reinterpret_cast<uv_handle_t*>(&polls_[k]), nullptr);
      ::close(fds_[k]);
    }
    uv_timer_t last;
    uv_timer_init(&loop_, &last);
    uv_timer_start(
        &last, [](uv_timer_t*) {}, 0, 0);
    uv_run(&loop_, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&last), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
    std::vector<uv_poll_t>().swap(polls_);
    std::vector<uv_timer_t>().swap(timers_);
    std::vector<int>().swap(fds_);
  }

 private:
  static void on_poll(uv_poll_t* p, int, int) {
    auto* self = static_cast<LibuvBench*>(p->data);
    self->hit(static_cast<std::size_t>(p - self->polls_.data()));
  }
  static void on_timer(uv_timer_t* t) {
    auto* self = static_cast<LibuvBench*>(t->data);
    self->hit(self->polls_.size() + static_cast<std::size_t>(t - self->timers_.data()));
  }
  void hit(std::size_t i) {
    if (counter_->hit(i)) uv_stop(&loop_);
  }

  uv_loop_t loop_;
  ae::bench::CallCounter* counter_ = nullptr;
  std::vector<uv_poll_t> polls_;
  std::vector<uv_timer_t> timers_;
  std::vector<int> fds_;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    if (argc != 2) throw std::invalid_argument("usage: watchers_libuv <watchers>");
    auto watchers = static_cast<std::size_t>(ae::bench::parse_count(argv[1], "watchers"));
    ae::bench::raise_fd_limit();
    LibuvBench bench;
    ae::bench::run_watcher_bench(bench, "libuv", watchers,
                                 "uv_poll_t on a dup() of the fd each + uv_timer_t");
  });
}
