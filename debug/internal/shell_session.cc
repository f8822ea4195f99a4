#include "debug/internal/shell_session.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <utility>

#include "debug/internal/shell_server.h"
#include "debug/internal/state.h"
#include "debug/metrics.h"
#include "debug/wrap.h"
#include "log/config.h"
#include "log/level.h"

namespace ae::debug_internal {

// Log messages on their way to the client. The log callback may run on any thread: it only
// appends here and posts one delivery to the loop per batch.
struct ShellSession::LogInbox {
  std::mutex mutex;
  Loop* loop = nullptr;             // nullptr once the session is shut: nothing more is posted
  ShellSession* session = nullptr;  // read on the loop's thread only
  std::string pending;
  std::size_t limit = 0;
  bool overflow = false;  // more came than the client may have queued
  bool posted = false;

  static void deliver(const std::shared_ptr<LogInbox>& inbox) {
    ShellSession* session;
    std::string text;
    bool overflow;
    {
      std::lock_guard lock(inbox->mutex);
      inbox->posted = false;
      session = inbox->session;
      text.swap(inbox->pending);
      overflow = std::exchange(inbox->overflow, false);
    }
    if (session == nullptr) return;
    if (overflow) return session->drop("its log output went over the limit: it does not read");
    session->send(text);
    session->flush();
  }
};

ShellSession::ShellSession(ShellServer& server, Loop& loop, UniqueFd fd,
                           const debug::ShellOptions& options)
    : server_(server),
      loop_(loop),
      fd_(std::move(fd)),
      options_(options),
      reader_(options.max_line),
      inbox_(std::make_shared<LogInbox>()) {
  inbox_->loop = &loop;
  inbox_->session = this;
  inbox_->limit = options.max_output;
  log_.title("ae::debug::shell");
  log_.level(log::Level::off());
  log_.log_cb([inbox = inbox_](std::string_view formatted, const log::Message&) {
    std::lock_guard lock(inbox->mutex);
    if (inbox->loop == nullptr) return false;
    if (inbox->pending.size() + formatted.size() > inbox->limit) {
      inbox->overflow = true;
    } else {
      inbox->pending += printable(formatted);
    }
    if (!inbox->posted) {
      inbox->posted = true;
      inbox->loop->post([inbox] { LogInbox::deliver(inbox); });
    }
    return false;
  });
  QuietScope quiet;
  read_watch_ = loop_.io(fd_.get(), kRead, [this] { on_readable(); });
  read_watch_.unref();  // as the listener: a connected client does not keep the program alive
  send("> ");
  flush();
}

ShellSession::~ShellSession() { shut(); }

void ShellSession::shut() noexcept {
  if (shut_) return;
  shut_ = true;
  read_watch_.reset();
  write_watch_.reset();
  if (verbosity_ > 0) log::collect_context().detach(log_);
  {
    std::lock_guard lock(inbox_->mutex);
    inbox_->loop = nullptr;
    inbox_->session = nullptr;
  }
  fd_.reset();
}

void ShellSession::drop(std::string_view why) {
  if (shut_) return;
  const int fd = fd_.get();
  server_.drop(this);  // shuts this session
  if (!why.empty()) {
    log_line(LogLevel::kNote, "shell " + server_.address() + ": dropped the client on fd " +
                                  std::to_string(fd) + ": " + std::string(why));
  }
}

void ShellSession::on_readable() {
  char buf[4096];
  ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    return drop("");  // reset by the client
  }
  if (n == 0) {
    eof_ = true;
    read_watch_.reset();
    return flush();  // closes once the answers are out
  }
  for (const ShellLineReader::Line& line :
       reader_.feed(std::string_view(buf, static_cast<std::size_t>(n)))) {
    if (shut_ || eof_) break;  // after quit, the rest is not read
    run_line(line);
  }
  flush();
}

void ShellSession::run_line(const ShellLineReader::Line& line) {
  if (line.overlong) {
    send("error: a line longer than " + std::to_string(options_.max_line) + " bytes, ignored\n> ");
    return;
  }
  Result<ShellCommand> command = parse_shell_line(line.text);
  if (!command) {
    send("error: " + command.message() + "\n> ");
    return;
  }
  run(*command);
  if (!eof_) send("> ");
}

void ShellSession::run(const ShellCommand& command) {
  switch (command.verb) {
    case ShellVerb::kEmpty:
      return;
    case ShellVerb::kHelp:
      return send(shell_help());
    case ShellVerb::kWatchers: {
      std::vector<debug::WatcherInfo> ws = debug::watchers(command.pattern);
      for (const debug::WatcherInfo& w : ws) send(printable(w.summary(), false) + "\n");
      return send(std::to_string(ws.size()) + (ws.size() == 1 ? " watcher\n" : " watchers\n"));
    }
    case ShellVerb::kWatcher:
      for (std::uint64_t id : command.ids) {
        if (std::optional<debug::WatcherInfo> w = debug::watcher(id)) {
          send(printable(w->verbose()));
        } else {
          send("error: no watcher #" + std::to_string(id) + "\n");
        }
      }
      return;
    case ShellVerb::kTrace:
    case ShellVerb::kUntrace: {
      bool on = command.verb == ShellVerb::kTrace;
      if (command.ids.empty()) {
        debug::trace(on);
        return send(std::string("tracing ") + (on ? "on" : "off") +
                    " for every watcher without a setting of its own\n");
      }
      for (std::uint64_t id : command.ids) {
        if (debug::trace(id, on)) {
          send("#" + std::to_string(id) + (on ? " traced\n" : " not traced\n"));
        } else {
          send("error: no watcher #" + std::to_string(id) + "\n");
        }
      }
      return;
    }
    case ShellVerb::kVerbosity:
      set_verbosity(command.level.value_or(verbosity_ > 0 ? 0 : 9));
      return send("verbosity " + std::to_string(verbosity_) + "\n");
    case ShellVerb::kWrap: {
      int level = command.level.value_or(debug::wrap_level() > 0 ? 0 : 1);
      debug::wrap(level);
      return send("wrap level " + std::to_string(level) + "\n");
    }
    case ShellVerb::kMetrics:
      return send(debug::prometheus_text());
    case ShellVerb::kLog: {
      // Through //log's own specification language, so that "filter", "collect" and "log" name
      // the contexts AE_LOG names; ':' is escaped, as it separates specifications there.
      std::string spec;
      for (char c : command.context) {
        if (c == ':') spec += '\\';
        spec += c;
      }
      int level = command.level.value_or(0);
      spec += '=';
      spec += level == 0 ? "off" : level == 10 ? "all" : std::to_string(level);
      ae::Result<std::size_t> applied = log::configure(spec);
      if (!applied) return send("error: " + printable(applied.message(), false) + "\n");
      return send("log " + command.context + " " +
                  std::string(log::level_name(log::Level(level == 10 ? 9 : level))) +
                  (level == 10 ? " (all)" : "") + "\n");
    }
    case ShellVerb::kQuit:
      send("bye\n");
      eof_ = true;
      read_watch_.reset();
      return;
  }
}

void ShellSession::set_verbosity(int level) {
  if (level == verbosity_) return;
  if (level == 0) {
    log::collect_context().detach(log_);
    log_.level(log::Level::off());
  } else {
    log_.level(log::Level(level));
    if (verbosity_ == 0) log::collect_context().attach(log_);
  }
  verbosity_ = level;
}

void ShellSession::send(std::string_view text) {
  if (shut_) return;
  if (out_.size() + text.size() > options_.max_output) {
    return drop("its output went over " + std::to_string(options_.max_output) +
                " bytes: it does not read");
  }
  out_.append(text);
}

void ShellSession::flush() {
  while (!shut_ && !out_.empty()) {
    ssize_t n = ::send(fd_.get(), out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_.consume(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      return drop("");  // the client went away
    }
  }
  if (shut_) return;
  if (out_.empty()) {
    write_watch_.reset();
    if (eof_) drop("");
    return;
  }
  if (!write_watch_) {
    QuietScope quiet;
    write_watch_ = loop_.io(fd_.get(), kWrite, [this] { flush(); });
    write_watch_.unref();
  }
}

}  // namespace ae::debug_internal
