#include "handle/internal/timeouts.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace ae::handle_internal {
namespace {

// A timer may fire a hair before the deadline it was computed from; that counts as due.
constexpr double kTimerSlack = 1e-4;

}  // namespace

Timeouts::Timeouts(Loop& loop, Function<void()> on_due) : loop_(loop), on_due_(std::move(on_due)) {}

const char* Timeouts::name(Kind kind) noexcept {
  static const char* const kNames[] = {"timeout", "rtimeout", "wtimeout"};
  return kNames[kind];
}

void Timeouts::check(double seconds) {
  if (!(seconds >= 0)) {
    throw std::invalid_argument("ae::Handle: a timeout must be zero or positive seconds");
  }
}

void Timeouts::set_period(Kind kind, double seconds) {
  check(seconds);
  period_[kind] = seconds;
}

void Timeouts::set_close_timeout(double seconds) {
  check(seconds);
  close_timeout_ = seconds;
}

double Timeouts::fresh_now() noexcept {
  loop_.now_update();
  return loop_.now();
}

void Timeouts::start() noexcept {
  const double now = fresh_now();
  for (double& a : activity_) a = now;
}

void Timeouts::reset(Kind kind) noexcept { activity_[kind] = fresh_now(); }

void Timeouts::read() noexcept { activity_[kAny] = activity_[kRead] = loop_.now(); }

void Timeouts::wrote() noexcept { activity_[kAny] = activity_[kWrite] = loop_.now(); }

void Timeouts::close_started() noexcept { close_started_ = fresh_now(); }

double Timeouts::close_deadline(bool awaiting_close) const noexcept {
  if (!awaiting_close || close_timeout_ <= 0) return std::numeric_limits<double>::infinity();
  return std::max(close_started_, activity_[kRead]) + close_timeout_;
}

void Timeouts::arm(bool awaiting_close) {
  double next = close_deadline(awaiting_close);
  for (Kind k : kKinds) {
    if (period_[k] > 0) next = std::min(next, activity_[k] + period_[k]);
  }
  if (std::isinf(next)) return disarm();
  Seconds after(std::max(0.0, next - loop_.now()));
  if (timer_) {
    timer_.set(after);
  } else {
    timer_ = loop_.timer(after, [this] { on_due_(); });
  }
}

void Timeouts::disarm() noexcept {
  if (timer_) timer_.stop();
}

bool Timeouts::take_due(Kind kind) noexcept {
  const double now = loop_.now();
  if (period_[kind] <= 0 || activity_[kind] + period_[kind] > now + kTimerSlack) return false;
  activity_[kind] = now;
  return true;
}

bool Timeouts::close_overdue(bool awaiting_close) const noexcept {
  return close_deadline(awaiting_close) <= loop_.now() + kTimerSlack;
}

}  // namespace ae::handle_internal
