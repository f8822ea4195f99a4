// The default format, appending into a caller's buffer so the logging path can reuse one.
#pragma once

#include <string>

#include "log/message.h"

namespace ae::log_internal {

// Appends AnyEvent's "YYYY-MM-DD HH:MM:SS.uuuuuu +zzzz" (local time) for `time`.
void append_time(std::string& out, double time);

// Appends default_format(message).
void append_default_format(std::string& out, const ae::log::Message& message);

}  // namespace ae::log_internal
