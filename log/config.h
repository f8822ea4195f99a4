// Configuring //log as a whole: AnyEvent::Log's PERL_ANYEVENT_LOG specification language, the
// environment, timestamps, the default format, the fatal exit, and log rotation.
//
// At program start //log reads, like AnyEvent:
//   AE_VERBOSE  the level of filter_context(): a number 0..9 or a level name (default 4, error).
//   AE_LOG      a specification applied on top of that (the grammar is configure()'s).
// PERL_ANYEVENT_VERBOSE and PERL_ANYEVENT_LOG are read too and take precedence when set, and
// setting one to the empty string hides its AE_ twin, as in AnyEvent. A malformed value is
// reported on stderr with the bad part named, and the default setup stays in force; start-up
// never fails because of it. A setuid or setgid program ignores these variables (AnyEvent
// ignores them under taint mode).
//
// Example:
//   // AE_LOG='filter=debug:log=+%warnings:%warnings=warn,syslog=local0'
//   ae::Result<std::size_t> r = ae::log::configure("myapp::db=+,file=/var/log/db.log");
//   if (!r) std::cerr << r.message() << "\n";
//   ae::Signal hup = ae::signal("HUP", [] { (void)ae::log::reopen_files(); });
//
// Thread safety: every function here may be called from any thread at any time.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "log/message.h"

namespace ae::log {

// Applies an AnyEvent::Log specification on top of the current configuration and returns the
// number of context specifications applied. All of it or nothing is applied: a malformed part,
// or a file that cannot be opened, leaves the configuration untouched.
//
// Grammar: specifications separated by ':' or whitespace, each `context=directive,directive...`.
// A backslash makes the next character literal.
//   context:   collect | filter | log | %name (an anonymous context, one per name and call) |
//              a context name (a trailing "::" forces this reading: "log::" is the name "log").
//   directive: stderr | file=PATH | path=PATH | syslog | syslog=FACILITY | nolog | cap=LEVEL |
//              +CONTEXT (attach) | + (detach all) | 0 | off | all |
//              level (then LEVEL means "this and above", the default) |
//              only (nothing passes; then LEVEL enables just that level) |
//              except (everything passes; then LEVEL disables just that level) |
//              LEVEL (1..9 or a name)
// Errors: Error::kParseError, with a message "parse error at '<part>' (<why>)"; the errno of
// open(2) for a file= or path= directive, with the path in the message.
[[nodiscard]] ae::Result<std::size_t> configure(std::string_view spec);

// Re-reads AE_VERBOSE / AE_LOG (and their PERL_ANYEVENT_ twins) as at start-up: reset() with the
// new verbosity, then the specification. Malformed values are reported as at start-up.
// Returns false when something was malformed (the default setup is then in force).
bool configure_from_environment();

// Chooses the clock of message timestamps (AnyEvent::Log::exact_time). false, the default as in
// AnyEvent: ae::now(), the current loop's cached time (ae::time() on a thread with no loop; no
// loop is ever made for logging). true: ae::time(), sampled per message.
void exact_time(bool exact);

// Replaces the format every context without its own fmt_cb uses (AnyEvent::Log::default_format);
// nullptr restores default_format() from log/format.h.
void set_default_format(Formatter format);

// Replaces what happens after a fatal message was logged (AnyEvent::Log::fatal_exit); the default
// calls std::exit(1). nullptr restores the default. If the function returns, so does the log call.
void set_fatal_exit(std::function<void()> fatal_exit);

// Reopens every file opened by log_to_file() or a file= directive (for log rotation, e.g. from a
// SIGHUP watcher) and returns how many were reopened.
// Errors: the first open(2) failure (each failure is also logged); files that failed keep their
// old descriptor.
[[nodiscard]] ae::Result<std::size_t> reopen_files();

// Sets the socket syslog targets use when SyslogOptions::socket_path is empty (default
// "/dev/log"; a leading '@' names an abstract socket). Affects targets made afterwards.
void set_syslog_socket(std::string path);

}  // namespace ae::log
