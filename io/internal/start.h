// Starting //io requests on the current loop's Channel. Private to //io.
#pragma once

#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "core/function.h"
#include "core/guard.h"
#include "io/internal/channel.h"
#include "io/internal/request.h"

namespace ae::io_internal {

// The caller's handle on `r`: destroying it cancels (Channel::cancel).
template <class R>
Guard cancel_guard(const std::shared_ptr<Op<R>>& r) {
  return Guard([w = std::weak_ptr<Request>(r)] {
    if (std::shared_ptr<Request> live = w.lock()) live->channel().cancel(*live);
  });
}

// Runs `work` on the pool (or inline in the sync model) and `cb` with its result on the current
// loop.
template <class R>
Guard start(Function<R()> work, Function<void(R)> cb) {
  const std::shared_ptr<Channel>& channel = Channel::current();
  auto r = std::make_shared<Op<R>>(channel, std::move(work), std::move(cb));
  Guard guard = cancel_guard(r);
  channel->submit(std::move(r));
  return guard;
}

// Delivers `code` to `cb` (from postpone) without running anything.
template <class R>
Guard reject(std::error_code code, std::string message, Function<void(R)> cb) {
  const std::shared_ptr<Channel>& channel = Channel::current();
  auto r = std::make_shared<Op<R>>(channel, nullptr, std::move(cb));
  Guard guard = cancel_guard(r);
  channel->reject(std::move(r), code, std::move(message));
  return guard;
}

}  // namespace ae::io_internal
