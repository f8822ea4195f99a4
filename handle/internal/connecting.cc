#include "handle/internal/connecting.h"

#include <utility>

namespace ae::handle_internal {

void Connecting::start(PrepareCallback prepare, ConnectCallback done) {
  guard_ = default_connector().connect(host_, service_, std::move(done), std::move(prepare));
}

Function<void()> Connecting::connected(Function<void()> connector_next, Function<void()> on_retry) {
  next_ = std::move(connector_next);
  current_ = std::make_shared<Function<void()>>(std::move(on_retry));
  return [slot = std::weak_ptr<Function<void()>>(current_)] {
    // Held for the call: on_retry moves on (next()), which lets go of the slot.
    if (std::shared_ptr<Function<void()>> on_retry = slot.lock()) (*on_retry)();
  };
}

void Connecting::next() {
  current_.reset();
  Function<void()> next = std::move(next_);
  next_ = nullptr;
  if (next) next();
}

void Connecting::cancel() {
  guard_.reset();
  next_ = nullptr;
  current_.reset();
}

std::string Connecting::describe(std::error_code ec) const {
  std::string target = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  return target + ":" + service_ + ": " + ec.message();
}

}  // namespace ae::handle_internal
