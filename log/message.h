// ae::log::Message, and the two callbacks a context can carry: a formatter that turns a message
// into text (AnyEvent::Log's fmt_cb) and a log callback that writes it (log_cb).
//
// Example:
//   ae::log::Context ctx = ae::log::ctx("myapp");
//   ctx.fmt_cb([](const ae::log::Message& m) {
//     return "<" + std::to_string(m.level.number()) + ">" + std::string(m.text) + "\n";
//   });
//   ctx.log_cb([](std::string_view line, const ae::log::Message&) {
//     std::fwrite(line.data(), 1, line.size(), stdout);
//     return false;  // not consumed: the message goes on to the context's slaves
//   });
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "log/level.h"

namespace ae::log {

// One message as a target sees it. The views stay valid until the callback returns.
struct Message {
  // Seconds since the epoch (see exact_time() in log/config.h for which clock).
  double time = 0;
  // The title of the context the message was logged in (not of the context handling it).
  std::string_view context;
  // 1..9; lowered by the cap() of any context the message passed through on its way here.
  Level level = Level::off();
  // The message text, with one trailing newline removed; it may contain more lines.
  std::string_view text;
};

// Turns a message into what the context's log callback receives (AnyEvent::Log's fmt_cb). The
// default is default_format() in log/format.h.
// Thread safety: called from whichever thread logs, possibly from several at once.
using Formatter = std::function<std::string(const Message& message)>;

// Writes one formatted message (AnyEvent::Log's log_cb). Returns true when it consumed the
// message, which stops it from going on to the context's slaves.
// Thread safety: called from whichever thread logs, possibly from several at once.
using LogCallback = std::function<bool(std::string_view formatted, const Message& message)>;

}  // namespace ae::log
