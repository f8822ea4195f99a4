// bench2 on ae::Handle: each server's read end is a Handle with a 3600-second inactivity timeout
// (AnyEvent::Handle's `timeout`, which every read pushes back without touching a timer), and
// on_read passes each token it finds in rbuf() on to a random other server with a plain write,
// as eg/bench2 does. The first argument names the backend ("asio" or "uv").
//
// Usage: bench2_handle <asio|uv> <servers> <active> <milliseconds>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "bench/bench2/harness.h"
#include "bench/bench2/main_args.h"
#include "bench/common/result.h"
#include "core/condvar.h"
#include "core/loop.h"
#include "handle/handle.h"

namespace {

class HandleServers final : public ae::bench::Servers {
 public:
  HandleServers(std::unique_ptr<ae::Backend> backend, std::size_t servers)
      : loop_(std::move(backend)), scope_(loop_) {
    handles_.reserve(servers);
  }

  void add_server(std::size_t i, int read_fd, ae::bench::Exchange& exchange) override {
    exchange_ = &exchange;
    ae::Handle::Options options;
    options.on_error = [this](ae::Handle&, bool, std::error_code, std::string_view message) {
      if (error_.empty()) error_ = message;
    };
    options.on_read = [this, i](ae::Handle& h) {
      ae::Buffer& in = h.rbuf();
      for (std::size_t k = 0; k < in.size(); ++k) exchange_->pass(i, in[k]);
      in.consume(in.size());
    };
    options.timeout = ae::bench::kTimeoutSeconds;
    options.on_timeout = [this](ae::Handle&) { exchange_->timed_out(); };
    options.linger = 0;
    handles_.emplace_back(read_fd, std::move(options));
  }

  void run_for(double seconds) override {
    ae::CondVar<> done;
    ae::Timer stop = ae::timer(seconds, [&] { done.send(); });
    done.recv();
    if (!error_.empty()) throw std::runtime_error("a Handle failed: " + error_);
  }

 private:
  ae::Loop loop_;
  ae::Loop::Scope scope_;
  ae::bench::Exchange* exchange_ = nullptr;
  std::vector<ae::Handle> handles_;
  std::string error_;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto args = ae::bench::parse_bench2_args(argc, argv, "bench2_handle <asio|uv>", 1);
    const std::string& model = args.modes.at(0);
    auto backend = ae::make_backend(model);
    if (!backend) throw std::invalid_argument("no backend named " + model);
    HandleServers impl(std::move(backend), args.servers);
    ae::bench::run_bench2(impl, "ae/handle", args.servers, args.active, args.seconds,
                          "ae::Handle with timeout, on_read");
  });
}
