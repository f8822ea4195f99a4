#include "core/backend/asio/asio.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <optional>

#include "core/loop.h"

namespace ae {
namespace {

namespace asio = boost::asio;

// Everything the Asio handlers touch. Handlers may still be queued in a borrowed io_context
// after the backend is gone (cancelled waits complete later), so the state lives until the last
// of them has run: `outstanding` counts them, `host` is cleared at detach.
struct AsioState {
  explicit AsioState(asio::io_context& io) : io(io), timer(io) {}

  asio::io_context& io;
  std::optional<asio::posix::stream_descriptor> poll;
  asio::steady_timer timer;
  BackendHost* host = nullptr;
  int outstanding = 0;
  bool poll_waiting = false;
  bool poll_wanted = false;
  bool post_pending = false;
  bool timer_armed = false;
  Backend::TimePoint timer_deadline{};
  unsigned timer_generation = 0;

  // Ends a handler: returns false (after freeing the state if this was the last handler) when
  // the backend is gone.
  static bool finish(AsioState* s) {
    --s->outstanding;
    if (s->host != nullptr) return true;
    if (s->outstanding == 0) delete s;
    return false;
  }

  void wait_poll() {
    poll_waiting = true;
    ++outstanding;
    poll->async_wait(asio::posix::stream_descriptor::wait_read,
                     [s = this](const boost::system::error_code& ec) {
                       s->poll_waiting = false;
                       if (!finish(s) || !s->poll_wanted) return;
                       // Cancelled by disarm_poll(), then wanted again before this ran.
                       if (ec == asio::error::operation_aborted) return s->wait_poll();
                       s->host->dispatch();
                     });
  }
};

class AsioBackend final : public Backend {
 public:
  AsioBackend(std::unique_ptr<asio::io_context> owned, asio::io_context& io)
      : owned_(std::move(owned)), state_(new AsioState(io)) {}

  ~AsioBackend() override { detach(); }

  std::string_view name() const noexcept override { return "asio"; }
  bool borrowed() const noexcept override { return owned_ == nullptr; }
  bool edge_triggered() const noexcept override { return true; }
  asio::io_context& io() noexcept { return state_->io; }

  void attach(BackendHost& host, int poll_fd) override {
    state_->host = &host;
    state_->poll.emplace(state_->io, poll_fd);
  }

  void arm_poll() override {
    state_->poll_wanted = true;
    if (!state_->poll_waiting) state_->wait_poll();
  }

  void disarm_poll() override {
    state_->poll_wanted = false;
    // Cancelling lets a borrowed io_context::run() return once nothing else is queued.
    if (state_->poll_waiting) state_->poll->cancel();
  }

  void set_deadline(std::optional<TimePoint> deadline) override {
    AsioState* s = state_;
    if (!deadline) {
      if (s->timer_armed) {
        s->timer_armed = false;
        ++s->timer_generation;
        s->timer.cancel();
      }
      return;
    }
    // An earlier armed deadline just causes one early dispatch, which re-arms: cheaper than
    // cancelling (Asio runs every cancelled handler).
    if (s->timer_armed && s->timer_deadline <= *deadline) return;
    s->timer_armed = true;
    s->timer_deadline = *deadline;
    unsigned generation = ++s->timer_generation;
    s->timer.expires_at(*deadline);
    ++s->outstanding;
    s->timer.async_wait([s, generation](const boost::system::error_code&) {
      if (!AsioState::finish(s) || generation != s->timer_generation) return;
      s->timer_armed = false;
      s->host->dispatch();
    });
  }

  void schedule_now() override {
    AsioState* s = state_;
    if (s->post_pending) return;
    s->post_pending = true;
    ++s->outstanding;
    asio::post(s->io, [s] {
      s->post_pending = false;
      if (!AsioState::finish(s)) return;
      s->host->dispatch();
    });
  }

  void run_once(bool block) override {
    asio::io_context& io = state_->io;
    if (io.stopped()) io.restart();
    if (block) {
      io.run_one();
    } else {
      io.poll_one();
    }
  }

  void detach() noexcept override {
    AsioState* s = std::exchange(state_, nullptr);
    if (s == nullptr) return;
    s->host = nullptr;
    ++s->outstanding;  // keeps `s` alive through the poll() below
    if (s->poll) {
      boost::system::error_code ignored;
      s->poll->cancel(ignored);
      s->poll->release();  // the loop closes its epoll fd itself
    }
    s->timer.cancel();
    if (owned_) {
      // Run the cancelled handlers now, while the io_context still exists.
      owned_->restart();
      owned_->poll();
    }
    if (--s->outstanding == 0) delete s;
    owned_.reset();
  }

 private:
  std::unique_ptr<asio::io_context> owned_;
  AsioState* state_;
};

// Registers "asio" at start-up (this library is linked with alwayslink).
const bool kRegistered = [] {
  register_backend("asio", &make_asio_backend);
  return true;
}();

}  // namespace

std::unique_ptr<Backend> make_asio_backend() {
  auto io = std::make_unique<asio::io_context>(1);
  asio::io_context& ref = *io;
  return std::make_unique<AsioBackend>(std::move(io), ref);
}

std::unique_ptr<Backend> borrow_asio(asio::io_context& io) {
  return std::make_unique<AsioBackend>(nullptr, io);
}

asio::io_context* asio_context(Loop& loop) noexcept {
  if (auto* b = dynamic_cast<AsioBackend*>(&loop.backend())) return &b->io();
  return nullptr;
}

}  // namespace ae
