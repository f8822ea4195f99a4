// bench2 written natively against Boost.Asio: a posix::stream_descriptor per server and a
// steady_timer timeout that each request pushes back (expires_after, which cancels the pending
// wait, whose handler then runs with operation_aborted, and a new async_wait). The first
// argument picks how a server waits for its token:
//   wait  async_wait(wait_read), then read(2): the reactor style of the other implementations;
//   read  async_read_some of one byte: Asio's own style (a speculative read when possible).
//
// Usage: bench2_asio <wait|read> <servers> <active> <milliseconds>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench2/harness.h"
#include "bench/bench2/main_args.h"
#include "bench/common/result.h"

namespace {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;

constexpr auto kTimeout = std::chrono::seconds(static_cast<int>(ae::bench::kTimeoutSeconds));

struct Server {
  Server(asio::io_context& io, int fd) : descriptor(io, fd), timeout(io) {}
  Descriptor descriptor;
  asio::steady_timer timeout;
  char token = 0;
};

class AsioServers final : public ae::bench::Servers {
 public:
  AsioServers(std::size_t servers, bool read_style) : read_style_(read_style) {
    servers_.reserve(servers);
  }
  ~AsioServers() override {
    // The harness owns the fds; the descriptors must not close them.
    for (Server& s : servers_) s.descriptor.release();
  }

  void add_server(std::size_t i, int read_fd, ae::bench::Exchange& exchange) override {
    exchange_ = &exchange;
    servers_.emplace_back(io_, read_fd);
    arm_timeout(i);
    wait(i);
  }

  void run_for(double seconds) override {
    asio::steady_timer stop(io_, std::chrono::duration_cast<asio::steady_timer::duration>(
                                     std::chrono::duration<double>(seconds)));
    stop.async_wait([this](const boost::system::error_code&) { io_.stop(); });
    io_.run();
  }

 private:
  void arm_timeout(std::size_t i) {
    asio::steady_timer& t = servers_[i].timeout;
    t.expires_after(kTimeout);
    t.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) exchange_->timed_out();
    });
  }

  void wait(std::size_t i) {
    Server& s = servers_[i];
    if (read_style_) {
      s.descriptor.async_read_some(asio::buffer(&s.token, 1),
                                   [this, i](const boost::system::error_code& ec, std::size_t n) {
                                     if (ec) return;
                                     if (n == 1) exchange_->pass(i, servers_[i].token);
                                     arm_timeout(i);
                                     wait(i);
                                   });
    } else {
      s.descriptor.async_wait(Descriptor::wait_read,
                              [this, i](const boost::system::error_code& ec) {
                                if (ec) return;
                                exchange_->forward(i);
                                arm_timeout(i);
                                wait(i);
                              });
    }
  }

  bool read_style_;
  asio::io_context io_{1};
  ae::bench::Exchange* exchange_ = nullptr;
  std::vector<Server> servers_;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    auto args = ae::bench::parse_bench2_args(argc, argv, "bench2_asio <wait|read>", 1);
    const std::string& mode = args.modes.at(0);
    if (mode != "wait" && mode != "read") throw std::invalid_argument("mode must be wait or read");
    AsioServers impl(args.servers, mode == "read");
    ae::bench::run_bench2(
        impl, "asio/" + mode, args.servers, args.active, args.seconds,
        mode == "read" ? "async_read_some + steady_timer" : "async_wait + read(2) + steady_timer");
  });
}
