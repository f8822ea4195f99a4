// The watcher benchmark written natively against libev (ev_io, ev_timer), the baseline.
//
// Usage: watchers_libev <watchers>
#include <ev.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/result.h"
#include "bench/watchers/harness.h"

namespace {

class LibevBench final : public ae::bench::WatcherBench {
 public:
  LibevBench() : loop_(ev_loop_new(EVFLAG_AUTO)) {
    if (loop_ == nullptr) throw std::runtime_error("ev_loop_new failed");
  }
  ~LibevBench() override { ev_loop_destroy(loop_); }

  void create(int fd, std::size_t pairs, ae::bench::CallCounter& counter) override {
    counter_ = &counter;
    io_.resize(pairs);
    timers_.resize(pairs);
    for (std::size_t k = 0; k < pairs; ++k) {
      ev_io_init(&io_[k], &LibevBench::on_io, fd, EV_WRITE);
      io_[k].data = this;
      ev_io_start(loop_, &io_[k]);
      ev_timer_init(&timers_[k], &LibevBench::on_timer, 0., 0.);
      timers_[k].data = this;
      ev_timer_start(loop_, &timers_[k]);
    }
  }

  void invoke() override { ev_run(loop_, 0); }

  // The kernel interface libev chose (EVFLAG_AUTO takes the recommended one).
  const char* backend_name() const noexcept {
    switch (ev_backend(loop_)) {
      case EVBACKEND_EPOLL:
        return "epoll";
      case EVBACKEND_POLL:
        return "poll";
      case EVBACKEND_SELECT:
        return "select";
      default:
        return "other backend";
    }
  }

  void destroy() override {
    for (auto w = timers_.rbegin(); w != timers_.rend(); ++w) ev_timer_stop(loop_, &*w);
    for (auto w = io_.rbegin(); w != io_.rend(); ++w) ev_io_stop(loop_, &*w);
    std::vector<ev_io>().swap(io_);
    std::vector<ev_timer>().swap(timers_);
    ev_timer last;
    ev_timer_init(
        &last, [](struct ev_loop*, ev_timer*, int) {}, 0., 0.);
    ev_timer_start(loop_, &last);
    ev_run(loop_, EVRUN_ONCE);
    ev_timer_stop(loop_, &last);
  }

 private:
  static void on_io(struct ev_loop* loop, ev_io* w, int) {
    auto* self = static_cast<LibevBench*>(w->data);
    self->hit(loop, static_cast<std::size_t>(w - self->io_.data()));
  }
  static void on_timer(struct ev_loop* loop, ev_timer* w, int) {
    auto* self = static_cast<LibevBench*>(w->data);
    self->hit(loop, self->io_.size() + static_cast<std::size_t>(w - self->timers_.data()));
  }
  void hit(struct ev_loop* loop, std::size_t i) {
    if (counter_->hit(i)) ev_break(loop, EVBREAK_ALL);
  }

  struct ev_loop* loop_;
  ae::bench::CallCounter* counter_ = nullptr;
  std::vector<ev_io> io_;
  std::vector<ev_timer> timers_;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    if (argc != 2) throw std::invalid_argument("usage: watchers_libev <watchers>");
    auto watchers = static_cast<std::size_t>(ae::bench::parse_count(argv[1], "watchers"));
    LibevBench bench;
    std::string comment = std::string("ev_io + ev_timer, ") + bench.backend_name();
    ae::bench::run_watcher_bench(bench, "libev", watchers, comment);
  });
}
