// bench2 on ae with raw watchers: ae::io on each server's read end and an ae::Timer timeout
// that each request re-arms with Timer::set (no allocation), on the backend named by the first
// argument ("asio", "uv", "native", "ev" or "glib").
//
// Usage: bench2_ae <asio|uv|native|ev|glib> <servers> <active> <milliseconds>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench2/harness.h"
#include "bench/bench2/main_args.h"
#include "bench/common/result.h"
#include "core/condvar.h"
#include "core/loop.h"

namespace {

class AeServers final : public ae::bench::Servers {
 public:
  explicit AeServers(std::unique_ptr<ae::Backend> backend)
      : loop_(std::move(backend)), scope_(loop_) {}

  void add_server(std::size_t i, int read_fd, ae::bench::Exchange& exchange) override {
    exchange_ = &exchange;
    timeouts_.push_back(ae::timer(ae::bench::kTimeoutSeconds, [this] { exchange_->timed_out(); }));
    readers_.push_back(ae::io(read_fd, ae::kRead, [this, i] {
      exchange_->forward(i);
      timeouts_[i].set(ae::Seconds(ae::bench::kTimeoutSeconds));
    }));
  }

  void run_for(double seconds) override {
    ae::CondVar<> done;
    ae::Timer stop = ae::timer(seconds, [&] { done.send(); });
    done.recv();
  }

 private:
  ae::Loop loop_;
  ae::Loop::Scope scope_;
  ae::bench::Exchange* exchange_ = nullptr;
  std::vector<ae::Io> readers_;
  std::vector<ae::Timer> timeouts_;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto args = ae::bench::parse_bench2_args(argc, argv, "bench2_ae <asio|uv|native|ev|glib>", 1);
    std::string model = args.modes.at(0);
    auto backend = ae::make_backend(model);
    if (!backend) throw std::invalid_argument("no backend named " + model);
    AeServers impl(std::move(backend));
    ae::bench::run_bench2(impl, "ae/" + model, args.servers, args.active, args.seconds,
                          "ae::io + ae::Timer::set");
  });
}
