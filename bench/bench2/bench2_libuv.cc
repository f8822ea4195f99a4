// bench2 written natively against libuv: a uv_poll_t per server (libuv's io watcher) and a
// uv_timer_t timeout that each request restarts with uv_timer_start.
//
// Usage: bench2_libuv <servers> <active> <milliseconds>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench/bench2/harness.h"
#include "bench/bench2/main_args.h"
#include "bench/common/result.h"

namespace {

constexpr std::uint64_t kTimeoutMs = static_cast<std::uint64_t>(ae::bench::kTimeoutSeconds * 1000);

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + uv_strerror(rc));
}

class LibuvServers final : public ae::bench::Servers {
 public:
  explicit LibuvServers(std::size_t servers)
      : readers_(std::make_unique<uv_poll_t[]>(servers)),
        timeouts_(std::make_unique<uv_timer_t[]>(servers)) {
    check(uv_loop_init(&loop_), "uv_loop_init");
  }
  ~LibuvServers() override {
    for (std::size_t i = 0; i < added_; ++i) {
      uv_close(reinterpret_cast<uv_handle_t*>(&readers_[i]), nullptr);
      uv_close(reinterpret_cast<uv_handle_t*>(&timeouts_[i]), nullptr);
    }
    uv_run(&loop_, UV_RUN_NOWAIT);  // runs the close callbacks
    uv_loop_close(&loop_);
  }

  void add_server(std::size_t i, int read_fd, ae::bench::Exchange& exchange) override {
    exchange_ = &exchange;
    check(uv_timer_init(&loop_, &timeouts_[i]), "uv_timer_init");
    timeouts_[i].data = this;
    check(uv_timer_start(&timeouts_[i], &LibuvServers::on_timeout, kTimeoutMs, 0),
          "uv_timer_start");
    check(uv_poll_init(&loop_, &readers_[i], read_fd), "uv_poll_init");
    readers_[i].data = this;
    check(uv_poll_start(&readers_[i], UV_READABLE, &LibuvServers::on_readable), "uv_poll_start");
    added_ = i + 1;
  }

  void run_for(double seconds) override {
    uv_timer_t stop;
    check(uv_timer_init(&loop_, &stop), "uv_timer_init");
    check(uv_timer_start(
              &stop, [](uv_timer_t* t) { uv_stop(t->loop); },
              static_cast<std::uint64_t>(seconds * 1000), 0),
          "uv_timer_start");
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&stop), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
  }

 private:
  static void on_readable(uv_poll_t* p, int, int) {
    auto* self = static_cast<LibuvServers*>(p->data);
    std::size_t i = static_cast<std::size_t>(p - self->readers_.get());
    self->exchange_->forward(i);
    uv_timer_start(&self->timeouts_[i], &LibuvServers::on_timeout, kTimeoutMs, 0);
  }
  static void on_timeout(uv_timer_t* t) {
    static_cast<LibuvServers*>(t->data)->exchange_->timed_out();
  }

  uv_loop_t loop_;
  std::unique_ptr<uv_poll_t[]> readers_;
  std::unique_ptr<uv_timer_t[]> timeouts_;
  ae::bench::Exchange* exchange_ = nullptr;
  std::size_t added_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto args = ae::bench::parse_bench2_args(argc, argv, "bench2_libuv", 0);
    LibuvServers impl(args.servers);
    ae::bench::run_bench2(impl, "libuv", args.servers, args.active, args.seconds,
                          "uv_poll_t + uv_timer_start");
  });
}
