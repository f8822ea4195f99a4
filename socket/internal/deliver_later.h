// Delivery of a result after the current callback, cancellable by a Guard: how //socket keeps its
// promise that a callback never runs inside the call that started the operation.
#pragma once

#include "core/function.h"
#include "core/guard.h"

namespace ae::socket_internal {

// Runs `f` on the current loop after the current callback (ae::postpone), unless the returned
// Guard was destroyed first.
Guard deliver_later(Function<void()> f);

}  // namespace ae::socket_internal
