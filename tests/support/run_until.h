// run_until: the one way a test waits for something to happen.
//
// It runs the current loop, which blocks until an event arrives, so it waits for events and never
// sleeps. The timeout is the failure path only: it is generous (kPatience) because a loaded
// machine is slow, and a test that passes never reaches it.
//
// Example:
//   bool connected = false;
//   ae::Guard g = ae::tcp_connect("127.0.0.1", port, [&](...) { connected = true; });
//   ASSERT_TRUE(ae::testing::run_until([&] { return connected; })) << "no connection";
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/watchers.h"

namespace ae::testing {

using namespace std::chrono_literals;

// How long a test waits for something before it fails. Never reached when things work.
inline constexpr Seconds kPatience = 10s;

// Runs Loop::current() until `condition()` holds or `timeout` passed (on the loop's clock);
// returns `condition()`. The condition is checked before the first wait and after every loop
// iteration, so it must become true through the loop's events (watchers, postpone, Loop::post),
// not through another thread's plain writes.
bool run_until(const std::function<bool()>& condition, Seconds timeout = kPatience);

// Runs Loop::current() until `holds(content of the file at path)` is true or `timeout` passed;
// returns the last answer. For logs written by another process (nginx, tinyproxy), which may
// write a request's line only after the client already has the response: an inotify watch on
// the file's directory wakes the loop whenever a file in it is written, so this waits for the
// write itself, without polling.
bool run_until_file(const std::string& path, const std::function<bool(const std::string&)>& holds,
                    Seconds timeout = kPatience);

}  // namespace ae::testing
