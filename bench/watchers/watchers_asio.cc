// The watcher benchmark written natively against Boost.Asio (posix::stream_descriptor
// async_wait, steady_timer).
//
// An Asio wait completes once; a watcher that keeps watching, as AnyEvent's io watchers do,
// starts its next async_wait from its handler, so invoke includes that re-arm. Asio lets one
// descriptor object exist per fd (a second registration of the fd fails with EEXIST), so "many
// watchers on one fd" is done in one of two ways, chosen by the first argument:
//   shared  one stream_descriptor; each watcher is one of many async_waits queued on it, with its
//           own cancellation slot so it can be destroyed alone (Asio's per-operation
//           cancellation searches the descriptor's queue, so destroying n of them costs O(n^2));
//   dup     each watcher has its own stream_descriptor on its own dup() of the fd, as AnyEvent's
//           bench did for loops with a one-watcher-per-fd rule (limited by RLIMIT_NOFILE; the
//           kernel memory of the duplicates is not in the RSS figure).
//
// Usage: watchers_asio <shared|dup> <watchers>
#include <fcntl.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cerrno>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "bench/common/measure.h"
#include "bench/common/result.h"
#include "bench/watchers/harness.h"

namespace {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;

int dup_fd(int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw std::system_error(errno, std::generic_category(), "dup");
  return copy;
}

class AsioBench final : public ae::bench::WatcherBench {
 public:
  explicit AsioBench(bool shared) : shared_(shared) {}

  void create(int fd, std::size_t pairs, ae::bench::CallCounter& counter) override {
    counter_ = &counter;
    timers_.reserve(pairs);
    if (shared_) {
      shared_descriptor_.emplace(io_, dup_fd(fd));
      cancels_ = std::make_unique<asio::cancellation_signal[]>(pairs);
    } else {
      descriptors_.reserve(pairs);
    }
    for (std::size_t k = 0; k < pairs; ++k) {
      if (!shared_) descriptors_.emplace_back(io_, dup_fd(fd));
      wait(k);
      timers_.emplace_back(io_, asio::steady_timer::duration::zero());
      timers_.back().async_wait([this, i = pairs + k](const boost::system::error_code& ec) {
        if (!ec) hit(i);
      });
    }
    pairs_ = pairs;
  }

  void invoke() override { io_.run(); }

  void destroy() override {
    while (!timers_.empty()) timers_.pop_back();
    if (shared_) {
      for (std::size_t k = pairs_; k-- > 0;) cancels_[k].emit(asio::cancellation_type::all);
    } else {
      // Destroying a descriptor closes its fd and cancels its wait.
      while (!descriptors_.empty()) descriptors_.pop_back();
    }
    std::vector<asio::steady_timer>().swap(timers_);
    std::vector<Descriptor>().swap(descriptors_);
    // Cancelled waits complete with operation_aborted: run those handlers, then one timer.
    bool last_ran = false;
    asio::steady_timer last(io_, asio::steady_timer::duration::zero());
    last.async_wait([&](const boost::system::error_code&) { last_ran = true; });
    io_.restart();
    while (!last_ran) io_.run_one();
    cancels_.reset();
  }

 private:
  void wait(std::size_t k) {
    auto handler = [this, k](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: the watcher was destroyed
      hit(k);
      wait(k);
    };
    if (shared_) {
      shared_descriptor_->async_wait(Descriptor::wait_write,
                                     asio::bind_cancellation_slot(cancels_[k].slot(), handler));
    } else {
      descriptors_[k].async_wait(Descriptor::wait_write, handler);
    }
  }

  void hit(std::size_t i) {
    if (counter_->hit(i)) io_.stop();
  }

  bool shared_;
  std::size_t pairs_ = 0;
  asio::io_context io_{1};
  ae::bench::CallCounter* counter_ = nullptr;
  std::optional<Descriptor> shared_descriptor_;
  std::unique_ptr<asio::cancellation_signal[]> cancels_;
  std::vector<Descriptor> descriptors_;
  std::vector<asio::steady_timer> timers_;
};

}  // namespace

int main(int argc, char** argv) {
  return ae::bench::guarded_main([&] {
    std::string mode = argc == 3 ? argv[1] : "";
    if (mode != "shared" && mode != "dup") {
      throw std::invalid_argument("usage: watchers_asio <shared|dup> <watchers>");
    }
    auto watchers = static_cast<std::size_t>(ae::bench::parse_count(argv[2], "watchers"));
    ae::bench::raise_fd_limit();
    AsioBench bench(mode == "shared");
    ae::bench::run_watcher_bench(
        bench, "asio/" + mode, watchers,
        mode == "shared" ? "async_waits queued on one stream_descriptor + steady_timer"
                         : "stream_descriptor on a dup() of the fd each + steady_timer");
  });
}
