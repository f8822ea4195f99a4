// The native backend (//core/backend/native): ae's own loop, with no foreign loop under it.
//
// ae's epoll set is the loop: each iteration is one epoll_wait on it, with the earliest timer
// deadline as its timeout, followed by the dispatch (AnyEvent::Loop's place). Signals, children
// and cross-thread posts arrive through the same epoll set, as on every backend. It is the
// cheapest backend per iteration (no second poll, no foreign loop's bookkeeping) and needs no
// library: a program that depends on this target and not on //core links no Boost.Asio (its
// default loop is then a native one).
//
// Linking this target registers the model "native", so AE_MODEL=native picks it for default
// loops; a program picks it in code with
//   ae::Loop loop(ae::make_native_backend());
//
// There is nothing to borrow: a program that runs another loop uses that loop's backend.
#pragma once

#include <memory>

#include "core/backend.h"

namespace ae {

// A backend whose loop is ae's own epoll set.
std::unique_ptr<Backend> make_native_backend();

}  // namespace ae
