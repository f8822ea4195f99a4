#include "handle/reconnect.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/loop.h"

namespace ae {
namespace {

class ReconnectCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "ae.reconnect"; }
  std::string message(int value) const override {
    switch (static_cast<ReconnectError>(value)) {
      case ReconnectError::kEndOfFile:
        return "the server closed the connection";
      case ReconnectError::kGaveUp:
        return "gave up after the maximum number of attempts";
    }
    return "unknown reconnect error";
  }
};

}  // namespace

const std::error_category& reconnect_category() noexcept {
  static const ReconnectCategory category;
  return category;
}

std::error_code make_error_code(ReconnectError e) noexcept {
  return {static_cast<int>(e), reconnect_category()};
}

ReconnectingClient::ReconnectingClient(std::string_view host, std::string_view service,
                                       ReconnectOptions options, StateCallback on_state)
    : host_(host),
      service_(service),
      options_(options),
      on_state_(std::move(on_state)),
      random_(std::random_device()()),
      alive_(std::make_shared<bool>(true)) {
  if (!on_state_) throw std::invalid_argument("ae::ReconnectingClient: the callback is empty");
  if (!(options_.multiplier >= 1) || !(options_.jitter >= 0 && options_.jitter <= 1) ||
      options_.initial_delay.count() < 0 || options_.max_delay.count() < 0 ||
      options_.connect_timeout.count() < 0) {
    throw std::invalid_argument(
        "ae::ReconnectingClient: multiplier must be at least 1, jitter in [0, 1], delays not "
        "negative");
  }
  retry_ = timer(0, [this] { connect(); });
}

ReconnectingClient::~ReconnectingClient() { *alive_ = false; }

bool ReconnectingClient::set_state(ConnectionState state, std::error_code reason,
                                   std::string_view message) {
  state_ = state;
  std::shared_ptr<bool> alive = alive_;
  on_state_(*this, state, reason, message);
  return *alive;
}

void ReconnectingClient::connect() {
  retry_.reset();
  retry_delay_ = Seconds(0);
  HandleOptions handle_options{
      .on_prepare = [this](Handle&) { return options_.connect_timeout; },
      .on_connect = [this](Handle&, const SocketAddress&, Function<void()>) { connected(); },
      .on_connect_error = [this](Handle&, std::error_code ec,
                                 std::string_view message) { lost(ec, message, false); },
      .on_error =
          [this](Handle&, bool fatal, std::error_code ec, std::string_view message) {
            if (fatal) lost(ec, message, true);
          },
      // Reading is how a Handle sees its connection end; until the user queues readers or sets
      // an on_read of its own, what arrives stays in rbuf() for them.
      .on_read = [](Handle&) {},
      .on_eof =
          [this](Handle&) {
            lost(ReconnectError::kEndOfFile, "the server closed the connection", true);
          },
      // A connection given up drops what it could not send; keep_writes has its own copy.
      .linger = 0,
  };
  handle_ = Handle(host_, service_, std::move(handle_options));
  pushed_bytes_ = 0;
  pruned_bytes_ = 0;
  set_state(ConnectionState::kConnecting, {}, {});
}

void ReconnectingClient::connected() {
  failures_ = 0;
  steps_ = 0;
  // The writes that waited go first, in order; they stay in kept_ until the kernel took them.
  for (const std::string& w : kept_) {
    handle_.push_write(w);
    pushed_bytes_ += w.size();
  }
  forget_written();
  set_state(ConnectionState::kConnected, {}, {});
}

void ReconnectingClient::lost(std::error_code reason, std::string_view message,
                              bool was_connected) {
  if (was_connected) {
    forget_written();
  } else {
    ++failures_;
  }
  if (!options_.keep_writes) {
    kept_.clear();
    kept_bytes_ = 0;
  }
  handle_.destroy();
  if (options_.max_attempts != 0 && failures_ >= options_.max_attempts) {
    std::string why = std::string(message) + "; gave up after " + std::to_string(failures_) +
                      (failures_ == 1 ? " attempt" : " attempts");
    set_state(ConnectionState::kStopped, ReconnectError::kGaveUp, why);
    return;
  }
  double delay = options_.initial_delay.count() * std::pow(options_.multiplier, steps_);
  delay = std::min(delay, options_.max_delay.count());
  if (delay < options_.max_delay.count()) ++steps_;
  delay *= 1 - options_.jitter * std::uniform_real_distribution<double>(0, 1)(random_);
  retry_delay_ = Seconds(delay);
  retry_ = timer(retry_delay_, [this] { connect(); });
  set_state(ConnectionState::kDisconnected, reason, message);
}

void ReconnectingClient::forget_written() {
  if (!options_.keep_writes || handle_.destroyed()) return;
  std::uint64_t taken =
      pushed_bytes_ - std::min<std::uint64_t>(pushed_bytes_, handle_.wbuf().size());
  while (!kept_.empty() && pruned_bytes_ + kept_.front().size() <= taken) {
    pruned_bytes_ += kept_.front().size();
    kept_bytes_ -= kept_.front().size();
    kept_.pop_front();
  }
}

void ReconnectingClient::keep(std::string bytes) {
  kept_bytes_ += bytes.size();
  kept_.push_back(std::move(bytes));
  while (kept_bytes_ > options_.max_kept_bytes && !kept_.empty()) {
    kept_bytes_ -= kept_.front().size();
    kept_.pop_front();
  }
}

bool ReconnectingClient::push_write(std::string_view bytes) {
  if (state_ == ConnectionState::kConnected) {
    handle_.push_write(bytes);
    if (options_.keep_writes) {
      pushed_bytes_ += bytes.size();
      kept_bytes_ += bytes.size();
      kept_.emplace_back(bytes);
      forget_written();
    }
    return true;
  }
  if (!options_.keep_writes || state_ == ConnectionState::kStopped) return false;
  keep(std::string(bytes));
  return true;
}

void ReconnectingClient::reconnect_now() {
  if (state_ != ConnectionState::kDisconnected && state_ != ConnectionState::kStopped) return;
  state_ = ConnectionState::kDisconnected;
  retry_delay_ = Seconds(0);
  retry_ = timer(0, [this] { connect(); });
}

void ReconnectingClient::stop() {
  retry_.reset();
  retry_delay_ = Seconds(0);
  handle_.destroy();
  kept_.clear();
  kept_bytes_ = 0;
  state_ = ConnectionState::kStopped;
}

}  // namespace ae
