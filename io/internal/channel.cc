#include "io/internal/channel.h"

#include <stdlib.h>
#include <strings.h>

#include <string>
#include <utility>

#include "core/log_hook.h"
#include "io/internal/pool.h"

namespace ae::io_internal {
namespace {

// Longer than any program runs; the keep-alive timer only has to exist, not to fire.
constexpr Seconds kForever{1e9};

// The loop's //io state, as a per-loop service: made with the loop's first request, told when
// the loop goes.
class LoopIo {
 public:
  explicit LoopIo(Loop& loop) : channel_(std::make_shared<Channel>(loop, model_from_env())) {}
  ~LoopIo() { channel_->shutdown(); }
  LoopIo(const LoopIo&) = delete;
  LoopIo& operator=(const LoopIo&) = delete;
  void shutdown() noexcept { channel_->shutdown(); }
  const std::shared_ptr<Channel>& channel() const noexcept { return channel_; }

 private:
  std::shared_ptr<Channel> channel_;
};

}  // namespace

Model model_from_env() {
  const char* env = ::secure_getenv("AE_IO_MODEL");
  if (env == nullptr || *env == '\0' || ::strcasecmp(env, "pool") == 0 ||
      ::strcasecmp(env, "IOAIO") == 0) {
    return Model::kPool;
  }
  if (::strcasecmp(env, "sync") == 0 || ::strcasecmp(env, "Perl") == 0) return Model::kSync;
  core_log(LogLevel::kWarn, "ae::fs",
           std::string("AE_IO_MODEL=") + env + " is neither \"pool\" nor \"sync\"; using \"pool\"");
  return Model::kPool;
}

const std::shared_ptr<Channel>& Channel::current() {
  return Loop::current().service<LoopIo>().channel();
}

Channel::~Channel() = default;

void Channel::submit(std::shared_ptr<Request> r) {
  if (loop_ == nullptr) return;  // the loop is being destroyed: nothing will be delivered
  hold(r);
  if (model_ == Model::kSync) {
    r->execute();
    loop_->postpone([r = std::move(r)] { r->channel().deliver(*r); });
    return;
  }
  if (in_pool_ < Pool::kPerLoopQueued && backlog_.empty()) {
    start_on_pool(std::move(r));
  } else {
    r->in_backlog = true;
    backlog_.push_back(std::move(r));
  }
}

void Channel::reject(std::shared_ptr<Request> r, std::error_code code, std::string message) {
  if (loop_ == nullptr) return;
  hold(r);
  r->fail(code, std::move(message));
  loop_->postpone([r = std::move(r)] { r->channel().deliver(*r); });
}

void Channel::hold(const std::shared_ptr<Request>& r) {
  if (model_ == Model::kPool && !keep_alive_) keep_alive_ = loop_->timer(kForever, kForever, [] {});
  r->counted = true;
  ++outstanding_;
  link_live(r);
}

void Channel::start_on_pool(std::shared_ptr<Request> r) noexcept {
  r->pooled = true;
  ++in_pool_;
  std::error_code error;
  if (Pool::instance().submit(r, error)) return;
  r->pooled = false;
  --in_pool_;
  try {
    r->fail(error, "no //io worker thread could be started: " + error.message());
    loop_->postpone([r] { r->channel().deliver(*r); });
  } catch (...) {
    // Out of memory for the postponed call: the request is dropped, but never left counted.
    r->delivered = true;
    uncount(*r);
    unlink_live(*r);
  }
}

void Channel::feed() noexcept {
  while (in_pool_ < Pool::kPerLoopQueued && !backlog_.empty()) {
    std::shared_ptr<Request> r = std::move(backlog_.front());
    backlog_.pop_front();
    if (!r->in_backlog) continue;  // cancelled while waiting
    r->in_backlog = false;
    start_on_pool(std::move(r));
  }
}

void Channel::cancel(Request& r) noexcept {
  if (r.delivered || r.cancelled) return;
  r.cancelled = true;
  r.drop_callback();
  if (loop_ == nullptr) return;
  bool dropped = false;
  if (r.in_backlog) {
    r.in_backlog = false;  // its slot in backlog_ is skipped by feed()
    dropped = true;
  } else if (r.pooled && Pool::instance().cancel(r)) {
    r.pooled = false;
    --in_pool_;
    dropped = true;
  }
  if (!dropped) return;  // running (or finished, its delivery on the way): the result is dropped
  r.delivered = true;
  uncount(r);
  unlink_live(r);
  feed();
}

void Channel::finished(std::shared_ptr<Request> r) noexcept {
  std::shared_ptr<Channel> channel = r->channel_ptr();
  std::unique_lock lock(channel->mutex_);
  if (channel->loop_ == nullptr) return;  // the loop is gone, and the callback was dropped with it
  try {
    channel->loop_->post([r = std::move(r)] { r->channel().deliver(*r); });
  } catch (...) {
    // Loop::post could not allocate: nothing can tell the loop; the callback never runs.
  }
}

void Channel::deliver(Request& r) {
  if (r.delivered) return;
  r.delivered = true;
  if (r.pooled) {
    r.pooled = false;
    --in_pool_;
    feed();
  }
  unlink_live(r);
  // Uncounted after the callback, so that a callback starting the next request (open, then
  // read, then close) keeps the keep-alive timer instead of replacing it.
  struct Uncount {
    Channel& channel;
    Request& request;
    ~Uncount() { channel.uncount(request); }
  } uncount_after{*this, r};
  r.complete();
}

void Channel::uncount(Request& r) noexcept {
  if (!r.counted) return;
  r.counted = false;
  if (--outstanding_ == 0) keep_alive_.reset();
}

void Channel::link_live(std::shared_ptr<Request> r) noexcept {
  Request* raw = r.get();
  raw->live_self = std::move(r);
  raw->live_prev = nullptr;
  raw->live_next = live_;
  if (live_ != nullptr) live_->live_prev = raw;
  live_ = raw;
}

void Channel::unlink_live(Request& r) noexcept {
  if (!r.live_self) return;
  (r.live_prev != nullptr ? r.live_prev->live_next : live_) = r.live_next;
  if (r.live_next != nullptr) r.live_next->live_prev = r.live_prev;
  r.live_prev = r.live_next = nullptr;
  std::shared_ptr<Request> dropped = std::move(r.live_self);
}

void Channel::shutdown() noexcept {
  if (loop_ == nullptr) return;
  // Callbacks and their captures belong to the loop's thread: drop them here, before a worker
  // can be the last to let go of a request.
  for (Request* r = live_; r != nullptr; r = r->live_next) {
    r->cancelled = true;
    r->delivered = true;
    r->drop_callback();
    if (r->pooled && Pool::instance().cancel(*r)) r->pooled = false;
  }
  {
    std::lock_guard lock(mutex_);
    loop_ = nullptr;
  }
  backlog_.clear();
  while (live_ != nullptr) unlink_live(*live_);
  in_pool_ = 0;
  outstanding_ = 0;
  keep_alive_.reset();
}

}  // namespace ae::io_internal
