// One client of the debug shell: reads its lines, runs its commands, buffers its output, and
// forwards log messages to it at the verbosity it chose. Private to //debug.
//
// Everything here runs on the shell's loop thread, except the log callback, which runs on
// whichever thread logs and only hands the text over (LogInbox).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/buffer.h"
#include "core/loop.h"
#include "core/unique_fd.h"
#include "debug/internal/shell_command.h"
#include "debug/shell.h"
#include "log/context.h"

namespace ae::debug_internal {

class ShellServer;

class ShellSession {
 public:
  // Takes `fd`, a connected non-blocking socket.
  ShellSession(ShellServer& server, Loop& loop, UniqueFd fd, const debug::ShellOptions& options);
  ~ShellSession();
  ShellSession(const ShellSession&) = delete;
  ShellSession& operator=(const ShellSession&) = delete;

  // Stops everything the session does at once (no callback of it runs afterwards); the
  // server frees it later.
  void shut() noexcept;

 private:
  struct LogInbox;

  void on_readable();
  void run_line(const ShellLineReader::Line& line);
  void run(const ShellCommand& command);
  void set_verbosity(int level);
  // Queues `text` for the client (and drops the client when that goes over max_output).
  void send(std::string_view text);
  void flush();
  // Ends the session: tells the server, which shuts it.
  void drop(std::string_view why);

  ShellServer& server_;
  Loop& loop_;
  UniqueFd fd_;
  const debug::ShellOptions& options_;
  ShellLineReader reader_;
  Buffer out_;
  Io read_watch_;
  Io write_watch_;
  bool eof_ = false;   // the client sent all it will: close once the output is out
  bool shut_ = false;  // dropped: nothing more happens
  int verbosity_ = 0;
  log::Context log_;
  std::shared_ptr<LogInbox> inbox_;
};

}  // namespace ae::debug_internal
