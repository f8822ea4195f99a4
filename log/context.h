// ae::log::Context and ae::log::Logger: AnyEvent::Log's logging contexts and loggers.
//
// Every message is logged in a context. A context filters (a set of levels), may log (a target:
// stderr, a file, syslog or a callback, with a formatter) and passes messages on to its slaves,
// other contexts. A message is handled at most once per context, however many paths lead there,
// so cycles and diamonds are harmless.
//
// Named contexts ("ae::core", "myapp::db") exist once per process and are made on first use;
// their default slave is the parent name's context ("myapp::db" -> "myapp"), and a one-part name's
// is collect_context(). The default graph is AnyEvent's:
//
//   any named context -> ... -> collect -> filter (level AE_VERBOSE, default error) -> log (stderr)
//
// Example:
//   ae::log::Context db = ae::log::ctx("myapp::db");
//   db.level("debug");
//   ae::log::Logger trace = db.logger("trace");
//   if (trace) trace("row %d: %s", id, name);  // formats only when something would log it
//   ae::Result<ae::log::LogFile> f = ae::log::Context("errors").level("error").log_to_file(path);
//   ae::log::collect_context().attach(db);
//
// Thread safety: every function here may be called from any thread at any time; logging from
// several threads at once is safe, and a configuration change is seen by each later message as a
// whole (a message never sees half of one). Callbacks (log_cb, fmt_cb) run on the logging thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/result.h"
#include "log/internal/log_ref.h"
#include "log/internal/node_base.h"
#include "log/level.h"
#include "log/message.h"

namespace ae::log_internal {
class FileTarget;
}  // namespace ae::log_internal

namespace ae::log {

class Context;
class Logger;

// A file a context logs to with log_to_file(). Holding one is not needed for logging; it is the
// way to reopen the file after it was rotated.
class LogFile {
 public:
  // The path as given to log_to_file().
  const std::string& path() const noexcept;

  // Opens the path again (appending, creating it if needed) and writes every later message there;
  // for log rotation after the old file was renamed. reopen_files() in log/config.h reopens all.
  // Errors: the errno of open(2), with the path in the message; the old file then stays in use.
  [[nodiscard]] ae::Result<void> reopen();

 private:
  friend class Context;
  explicit LogFile(std::shared_ptr<log_internal::FileTarget> file) : file_(std::move(file)) {}
  std::shared_ptr<log_internal::FileTarget> file_;
};

// Where log_to_syslog() sends messages.
struct SyslogOptions {
  // "user" (the default), "daemon", "local0".."local7", ... with or without a "LOG_" prefix, in
  // either case.
  std::string facility = "user";
  // The tag before each message; empty: the program's name.
  std::string ident;
  // The syslog daemon's datagram socket; empty: the process default, "/dev/log" unless
  // set_syslog_socket() (log/config.h) changed it. A leading '@' names an abstract socket.
  std::string socket_path;
};

// A context and a level bound together (AnyEvent::Log::logger): cheap to copy, cheap to ask
// "would this log?", and always up to date with the configuration.
//
// Example:
//   ae::log::Logger debug = ae::log::ctx("myapp").logger("debug");
//   if (debug) debug("%zu bytes queued", n);
//   debug([&] { return expensive_dump(); });  // the lambda runs only when it would be logged
//
// enabled() is true for fatal messages even when no target takes them, because logging one ends
// the program anyway (see set_fatal_exit() in log/config.h).
// Lifetime: a Logger keeps its context alive.
class Logger : public log_internal::LogRef {
 public:
  // A logger that never logs.
  Logger() noexcept;

 private:
  friend class Context;
  Logger(std::shared_ptr<log_internal::Node> node, Level level) noexcept;
  std::shared_ptr<log_internal::Node> keep_;
};

// A logging context (AnyEvent::Log::Ctx). A Context object is a handle: copies refer to the same
// context, which lives as long as a handle, a Logger or another context's slave list refers to
// it (named contexts live for ever).
class Context {
 public:
  // A new anonymous context (AnyEvent::Log::Ctx->new): every level passes, no target, no slaves.
  Context();
  explicit Context(std::string title);

  // ---- Title ---------------------------------------------------------------------------------
  // The title the default format prints: the name for named contexts, else what was set.
  std::string title() const;
  Context& title(std::string title);

  // ---- Filtering (a message passes a context when its level is in the context's set) --------
  // Lets `level` and every more important level pass; off() lets nothing pass, all() every level.
  Context& level(Level level);
  // Lets exactly these levels pass (all() = every level). Errors: std::invalid_argument for off().
  Context& levels(std::initializer_list<Level> levels);
  // Lets these levels pass too. Errors: std::invalid_argument for off().
  Context& enable(std::initializer_list<Level> levels);
  // Stops these levels. Errors: std::invalid_argument for off().
  Context& disable(std::initializer_list<Level> levels);
  // Lowers messages more important than `level` to `level` for this context's target and every
  // context after it; off() (the default) changes nothing. Filtering still uses the level the
  // message was logged with, as in AnyEvent::Log.
  Context& cap(Level level);
  // Bit n set: level n passes.
  std::uint16_t level_mask() const;

  // ---- Slaves --------------------------------------------------------------------------------
  // Passes messages on to `slave` too (a second attach of the same slave changes nothing).
  Context& attach(const Context& slave);
  // Stops passing messages to `slave` (no error when it was not attached).
  Context& detach(const Context& slave);
  // Replaces all slaves; an empty list detaches everything.
  Context& slaves(const std::vector<Context>& slaves);
  std::vector<Context> slaves() const;

  // ---- Targets (one per context; each call replaces the previous one) ------------------------
  // Sends each formatted message to `cb` (AnyEvent's log_cb); nullptr: no target (nolog()).
  // `cb` runs for every message that passes this context, on the logging thread; it may log and
  // reconfigure logging itself.
  Context& log_cb(LogCallback cb);
  // Formats messages for this context's target with `fmt`; nullptr: the default format.
  Context& fmt_cb(Formatter fmt);
  // Removes the target; messages only pass through.
  Context& nolog();
  // Writes each message to stderr with one write(2) (AnyEvent's log_to_warn).
  Context& log_to_stderr();
  // Appends each message to `path` with one write(2) on a descriptor kept open (created 0666 &
  // ~umask if needed), so lines from several threads and processes never interleave.
  // Errors: the errno of open(2); the context then keeps its previous target.
  [[nodiscard]] ae::Result<LogFile> log_to_file(std::string path);
  // Like log_to_file(), but opens and closes the file for every message, so it may be moved or
  // deleted at any time. A relative path is made absolute now. Returns the absolute path.
  // Errors: the errno of a trial open(2); the context then keeps its previous target.
  [[nodiscard]] ae::Result<std::string> log_to_path(std::string path);
  // Sends each line of each message to syslog (RFC 3164 datagrams on a unix socket) as
  // "(<context title>) <line>", further lines prefixed "+ ", trace as debug. The context's
  // formatter is not used. While the socket cannot be reached, lines go to stderr instead and
  // the failure is reported once.
  // Errors: std::invalid_argument for an unknown facility name.
  Context& log_to_syslog(SyslogOptions options = {});

  // ---- Logging -------------------------------------------------------------------------------
  // True when a message at `level` logged here would reach a target (always for fatal).
  bool enabled(Level level) const noexcept {
    return (base_->enabled.load(std::memory_order_relaxed) & (1u << level.number())) != 0;
  }
  // Logs `message` as it is (AnyEvent's $ctx->log). Returns true when a target logged it. One
  // trailing newline is removed; errno is preserved. A fatal message then calls the fatal exit
  // (which by default ends the program).
  // Errors: std::invalid_argument when `level` is off() or all(); an exception thrown by a
  // log_cb or fmt_cb propagates.
  bool log(Level level, std::string_view message) const;
  // Logs printf(format, ...), formatting only when a target will take the message.
  bool logf(Level level, const char* format, ...) const __attribute__((format(printf, 3, 4)));
  // Logs what `make_message()` returns; it is called only when a target will take the message.
  template <class F>
  requires std::is_invocable_v<F&>
  bool log(Level level, F&& make_message) const {
    if (!level.is_message_level()) return log(level, std::string_view());  // throws
    return logger_ref(level)(std::forward<F>(make_message));
  }
  // A Logger for this context at `level`.
  Logger logger(Level level) const;

  friend bool operator==(const Context& a, const Context& b) noexcept { return a.node_ == b.node_; }

  // For AE_LOG_CTX.
  log_internal::LogRef logger_ref(Level level) const noexcept {
    return log_internal::LogRef(base_, node_.get(), level);
  }

 private:
  friend Context ctx(std::string_view name);
  friend Context collect_context();
  friend Context filter_context();
  friend Context log_context();
  explicit Context(std::shared_ptr<log_internal::Node> node) noexcept;

  std::shared_ptr<log_internal::Node> node_;
  // node_ as its base class, so enabled() needs no complete Node type.
  const log_internal::NodeBase* base_;
};

// The context named `name` (AnyEvent::Log::ctx("pkg")), made on first use with its parent name's
// context as slave ("a::b::c" -> "a::b" -> "a" -> collect_context()).
Context ctx(std::string_view name);

// The three contexts of the default graph (AnyEvent's $COLLECT, $FILTER and $LOG).
// collect: where every named context's messages end up; no filter, no target.
Context collect_context();
// filter: lets AE_VERBOSE's level and above (default error) on to log_context().
Context filter_context();
// log: writes to stderr.
Context log_context();

// Restores the default graph (AnyEvent::Log::reset): every named context gets all levels, no
// target, no cap and its parent as only slave; collect, filter and log get their defaults, with
// filter at the AE_VERBOSE level read at start-up. Handles stay valid.
void reset();

}  // namespace ae::log
