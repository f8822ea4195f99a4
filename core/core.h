// The whole public API of //core in one include.
//
// Example:
//   #include "core/core.h"
//   int main() {
//     ae::CondVar<> quit;
//     ae::Signal s = ae::signal("INT", [&] { quit.send(); });
//     ae::Timer t = ae::timer(0, 1, [] { std::puts("tick"); });
//     quit.recv();
//   }
//
// The backends' own calls (borrowing a program's io_context or uv_loop_t) are in their headers,
// core/backend/asio/asio.h and core/backend/uv/uv.h: the backends are built on //core, so this
// header, part of //core, does not include them.
#pragma once

#include "core/backend.h"
#include "core/buffer.h"
#include "core/condvar.h"
#include "core/connector.h"
#include "core/function.h"
#include "core/guard.h"
#include "core/log_hook.h"
#include "core/loop.h"
#include "core/resolver.h"
#include "core/result.h"
#include "core/socket_address.h"
#include "core/stream_filter.h"
#include "core/task.h"
#include "core/watchers.h"
