// bench2 written natively against libev: an ev_io per server and an ev_timer timeout that each
// request resets with ev_timer_again (libev's recommended way to push a timeout back).
//
// Usage: bench2_libev <servers> <active> <milliseconds>
#include <ev.h>

#include <memory>
#include <stdexcept>

#include "bench/bench2/harness.h"
#include "bench/bench2/main_args.h"
#include "bench/common/result.h"

namespace {

class LibevServers final : public ae::bench::Servers {
 public:
  explicit LibevServers(std::size_t servers)
      : loop_(ev_loop_new(EVFLAG_AUTO)),
        readers_(std::make_unique<ev_io[]>(servers)),
        timeouts_(std::make_unique<ev_timer[]>(servers)) {
    if (loop_ == nullptr) throw std::runtime_error("ev_loop_new failed");
  }
  ~LibevServers() override { ev_loop_destroy(loop_); }

  void add_server(std::size_t i, int read_fd, ae::bench::Exchange& exchange) override {
    exchange_ = &exchange;
    ev_timer_init(&timeouts_[i], &LibevServers::on_timeout, 0., ae::bench::kTimeoutSeconds);
    timeouts_[i].data = this;
    ev_timer_again(loop_, &timeouts_[i]);
    ev_io_init(&readers_[i], &LibevServers::on_readable, read_fd, EV_READ);
    readers_[i].data = this;
    ev_io_start(loop_, &readers_[i]);
  }

  void run_for(double seconds) override {
    ev_timer stop;
    ev_timer_init(
        &stop, [](struct ev_loop* loop, ev_timer*, int) { ev_break(loop, EVBREAK_ALL); }, seconds,
        0.);
    ev_timer_start(loop_, &stop);
    ev_run(loop_, 0);
    ev_timer_stop(loop_, &stop);
  }

 private:
  static void on_readable(struct ev_loop* loop, ev_io* w, int) {
    auto* self = static_cast<LibevServers*>(w->data);
    std::size_t i = static_cast<std::size_t>(w - self->readers_.get());
    self->exchange_->forward(i);
    ev_timer_again(loop, &self->timeouts_[i]);
  }
  static void on_timeout(struct ev_loop*, ev_timer* w, int) {
    static_cast<LibevServers*>(w->data)->exchange_->timed_out();
  }

  struct ev_loop* loop_;
  std::unique_ptr<ev_io[]> readers_;
  std::unique_ptr<ev_timer[]> timeouts_;
  ae::bench::Exchange* exchange_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto args = ae::bench::parse_bench2_args(argc, argv, "bench2_libev", 0);
    LibevServers impl(args.servers);
    ae::bench::run_bench2(impl, "libev", args.servers, args.active, args.seconds,
                          "ev_io + ev_timer_again");
  });
}
