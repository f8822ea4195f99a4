#include "socket/internal/deliver_later.h"

#include <memory>

#include "core/loop.h"

namespace ae::socket_internal {

Guard deliver_later(Function<void()> f) {
  auto cancelled = std::make_shared<bool>(false);
  postpone([cancelled, f = std::move(f)] {
    if (!*cancelled) f();
  });
  return Guard([cancelled] { *cancelled = true; });
}

}  // namespace ae::socket_internal
