// The watcher benchmark on ae, on the backend named by the first argument ("asio" or "uv").
// Built twice: watchers_ae links //core alone; watchers_ae_debug also links //debug (defining
// AE_BENCH_WITH_DEBUG), which with nothing set must cost nothing, and with "metrics" turns the
// loop metrics on, to show what they cost.
//
// Usage: watchers_ae <asio|uv> <watchers>
//        watchers_ae_debug <asio|uv> [metrics] <watchers>
#include <memory>
#include <string>
#include <vector>

#include "bench/common/result.h"
#include "bench/watchers/harness.h"
#include "core/condvar.h"
#include "core/loop.h"
#ifdef AE_BENCH_WITH_DEBUG
#include "debug/metrics.h"
#endif

namespace {

class AeBench final : public ae::bench::WatcherBench {
 public:
  explicit AeBench(std::unique_ptr<ae::Backend> backend)
      : loop_(std::move(backend)), scope_(loop_) {}

  void create(int fd, std::size_t pairs, ae::bench::CallCounter& counter) override {
    counter_ = &counter;
    io_.reserve(pairs);
    timers_.reserve(pairs);
    for (std::size_t k = 0; k < pairs; ++k) {
      io_.push_back(ae::io(fd, ae::kWrite, [this, k] { hit(k); }));
      timers_.push_back(ae::timer(0.0, [this, i = pairs + k] { hit(i); }));
    }
  }

  void invoke() override { done_.recv(); }

  void destroy() override {
    while (!timers_.empty()) timers_.pop_back();
    while (!io_.empty()) io_.pop_back();
    std::vector<ae::Timer>().swap(timers_);
    std::vector<ae::Io>().swap(io_);
    ae::Timer last = ae::timer(0.0, [] {});
    loop_.run_once();
  }

 private:
  void hit(std::size_t i) {
    if (counter_->hit(i)) done_.send();
  }

  ae::Loop loop_;
  ae::Loop::Scope scope_;
  ae::bench::CallCounter* counter_ = nullptr;
  ae::CondVar<> done_;
  std::vector<ae::Io> io_;
  std::vector<ae::Timer> timers_;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string variant;
    std::string comment = "ae::io + ae::timer";
#ifdef AE_BENCH_WITH_DEBUG
    variant = "+debug";
    comment += ", //debug linked";
    if (args.size() == 3 && args[1] == "metrics") {
      ae::debug::metrics(true);
      variant = "+metrics";
      comment += ", metrics on";
      args.erase(args.begin() + 1);
    }
#endif
    if (args.size() != 2)
      throw std::invalid_argument("usage: watchers_ae <asio|uv|native|ev|glib> <watchers>");
    std::string model = args[0];
    auto watchers = static_cast<std::size_t>(ae::bench::parse_count(args[1].c_str(), "watchers"));
    auto backend = ae::make_backend(model);
    if (!backend) throw std::invalid_argument("no backend named " + model);
    AeBench bench(std::move(backend));
    ae::bench::run_watcher_bench(bench, "ae/" + model + variant, watchers, comment);
  });
}
