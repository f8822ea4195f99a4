// The default message format of AnyEvent::Log, for formatters that want to reuse parts of it.
//
//   2024-05-01 12:00:00.123456 +0200 warn  myapp::db: connection lost
//   2024-05-01 12:00:00.123456 +0200 + second line of the same message
//
// Example:
//   ae::log::set_default_format([](const ae::log::Message& m) {
//     return "[" + ae::log::format_time(m.time) + "] " + std::string(m.text) + "\n";
//   });
#pragma once

#include <string>

#include "log/message.h"

namespace ae::log {

// "YYYY-MM-DD HH:MM:SS.uuuuuu +zzzz" in local time (AnyEvent::Log::format_time).
std::string format_time(double time);

// "<time> <level, 5 wide> <context>: <text>\n", each further line of the text on a line of its
// own that starts with "<time> + " (AnyEvent::Log::default_format). Trailing empty lines are
// dropped, as Perl's split drops them.
std::string default_format(const Message& message);

}  // namespace ae::log
