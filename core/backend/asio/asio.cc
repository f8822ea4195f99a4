#include "core/backend/asio/asio.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "core/log_hook.h"
#include "core/loop.h"

namespace ae {
namespace {

namespace asio = boost::asio;

// What the Asio handlers touch. Handlers may still sit in a borrowed io_context after the
// backend is gone (cancelled waits complete later, or are destroyed with the io_context), so
// this state lives until the last of them is destroyed: each handler holds a Ticket, and `host`
// is cleared at detach. The descriptor and timer are destroyed at detach, while the io_context
// certainly exists.
struct AsioState {
  explicit AsioState(asio::io_context& io) : io(io) {}

  asio::io_context& io;
  std::optional<asio::posix::stream_descriptor> poll;
  std::optional<asio::steady_timer> timer;
  BackendHost* host = nullptr;
  int outstanding = 0;
  bool poll_waiting = false;
  bool poll_wanted = false;
  bool post_pending = false;
  bool timer_armed = false;
  Backend::TimePoint timer_deadline{};
  unsigned timer_generation = 0;

  // One queued handler's claim on the state.
  class Ticket {
   public:
    explicit Ticket(AsioState* s) noexcept : s_(s) { ++s_->outstanding; }
    Ticket(Ticket&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (s_ != nullptr && --s_->outstanding == 0 && s_->host == nullptr) delete s_;
    }
    AsioState* operator->() const noexcept { return s_; }
    // False once the backend is gone: the handler must do nothing.
    bool live() const noexcept { return s_->host != nullptr; }

   private:
    AsioState* s_;
  };

  void wait_poll() {
    poll_waiting = true;
    poll->async_wait(asio::posix::stream_descriptor::wait_read,
                     [t = Ticket(this)](const boost::system::error_code& ec) {
                       t->poll_waiting = false;
                       if (!t.live() || !t->poll_wanted) return;
                       // Cancelled by disarm_poll(), then wanted again before this ran.
                       if (ec == asio::error::operation_aborted) return t->wait_poll();
                       t->host->dispatch();
                     });
  }
};

class AsioBackend final : public Backend {
 public:
  AsioBackend(std::unique_ptr<asio::io_context> owned, asio::io_context& io)
      : owned_(std::move(owned)), state_(new AsioState(io)) {}

  ~AsioBackend() override { detach(); }

  std::string_view name() const noexcept override { return "asio"; }
  // Asio registers descriptors edge-triggered. (Each async_wait it starts does re-arm with
  // EPOLL_CTL_MOD, which re-checks readiness, but asking for one more dispatch after a dispatch
  // that found events measured cheaper: in bench2's small server it cut epoll_wait calls per
  // request from 0.75 to 0.56 and epoll_ctl from 0.38 to 0.19, because the posted dispatch
  // usually finds the next events without a wait in Asio's reactor.)
  bool edge_triggered() const noexcept override { return true; }
  asio::io_context& io() noexcept { return state_->io; }

  void attach(BackendHost& host, int poll_fd) override {
    state_->host = &host;
    state_->poll.emplace(state_->io, poll_fd);
    state_->timer.emplace(state_->io);
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
        s->timer->cancel();
      }
      return;
    }
    // An earlier armed deadline just causes one early dispatch, which re-arms: cheaper than
    // cancelling (Asio runs every cancelled handler).
    if (s->timer_armed && s->timer_deadline <= *deadline) return;
    s->timer_armed = true;
    s->timer_deadline = *deadline;
    unsigned generation = ++s->timer_generation;
    s->timer->expires_at(*deadline);
    s->timer->async_wait([t = AsioState::Ticket(s), generation](const boost::system::error_code&) {
      if (!t.live() || generation != t->timer_generation) return;
      t->timer_armed = false;
      t->host->dispatch();
    });
  }

  void schedule_now() override {
    AsioState* s = state_;
    if (s->post_pending) return;
    s->post_pending = true;
    asio::post(s->io, [t = AsioState::Ticket(s)] {
      t->post_pending = false;
      if (t.live()) t->host->dispatch();
    });
  }

  void run_once(bool block) override {
    asio::io_context& io = state_->io;
    // A blocking wait inside a handler of this io_context (CondVar::recv in a callback): Asio
    // keeps what a handler posts in a thread-private queue until that handler returns, so the
    // dispatch schedule_now() posted would never run in the nested run_one(). Run it here.
    if (state_->post_pending && io.get_executor().running_in_this_thread()) {
      state_->post_pending = false;
      state_->host->dispatch();
      return;
    }
    if (io.stopped()) io.restart();
    if (block) {
      io.run_one();
    } else {
      io.poll_one();
    }
  }

  void after_fork() noexcept override {
    try {
      state_->io.notify_fork(asio::execution_context::fork_child);
    } catch (const std::exception& e) {
      core_log(LogLevel::kCritical, "ae::core",
               std::string("io_context::notify_fork failed in a forked child: ") + e.what());
    }
  }

  void detach() noexcept override {
    AsioState* s = std::exchange(state_, nullptr);
    if (s == nullptr) return;
    s->host = nullptr;
    AsioState::Ticket keep(s);  // `s` lives at least until the end of this function
    if (s->poll) {
      s->poll->release();  // cancels its wait; the loop closes its epoll fd itself
      s->poll.reset();
    }
    s->timer.reset();  // cancels its wait
    if (owned_) {
      // Run (and so destroy) the cancelled handlers while the io_context still exists.
      owned_->restart();
      owned_->poll();
    }
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
