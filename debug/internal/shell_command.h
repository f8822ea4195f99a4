// The debug shell's input: a client's bytes split into lines, and each line parsed into one of
// a fixed set of commands. Private to //debug; fuzzed by tests/fuzz/debug_shell_line_fuzz.
//
// Peer data, so: linear time, bounded memory, nothing but printable ASCII accepted, and nothing
// a client sent echoed back unless it passed that check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ae::debug_internal {

// Splits a byte stream into lines ending in "\n" (a "\r" before it is dropped). A line longer
// than the limit is reported once as overlong and the rest of it, up to its "\n", skipped, so a
// client never makes the reader hold more than the limit.
class ShellLineReader {
 public:
  explicit ShellLineReader(std::size_t max_line) noexcept : max_line_(max_line) {}

  struct Line {
    bool overlong = false;  // then `text` is empty
    std::string text;       // without its "\r\n" or "\n"
  };
  // The complete lines in what came so far, in order.
  std::vector<Line> feed(std::string_view bytes);
  // Bytes of an unfinished line held now (never more than the limit plus one, for a "\r").
  std::size_t buffered() const noexcept { return partial_.size(); }

 private:
  std::size_t max_line_;
  std::string partial_;
  bool skipping_ = false;  // inside an overlong line
};

enum class ShellVerb {
  kEmpty,      // a blank line: only the prompt again
  kHelp,       // help
  kWatchers,   // wl [pattern]
  kWatcher,    // w ID[,ID...]  (AnyEvent's i)
  kTrace,      // t [ID...]
  kUntrace,    // u [ID...]
  kVerbosity,  // v [level]
  kWrap,       // wr [level]
  kMetrics,    // metrics
  kLog,        // log CONTEXT LEVEL
  kQuit,       // quit
};

struct ShellCommand {
  ShellVerb verb = ShellVerb::kEmpty;
  std::string pattern;             // wl: printable ASCII, may be empty
  std::vector<std::uint64_t> ids;  // w, t, u
  std::optional<int> level;        // v: 0..9; wr: 0..2; log: 0..9, or 10 for "all"
  std::string context;             // log: letters, digits, '_' and ':'
};

// The longest line parse_shell_line() takes, and the most ids one command names.
inline constexpr std::size_t kMaxShellLine = 4096;
inline constexpr std::size_t kMaxShellIds = 64;

// Parses one line (without its line end). Errors: std::errc::invalid_argument with a message
// for the client that contains only printable ASCII.
Result<ShellCommand> parse_shell_line(std::string_view line);

// `text` with every byte outside printable ASCII written as \xNN (newlines kept when
// `keep_newlines`), so that what goes to a client's terminal never carries control bytes.
std::string printable(std::string_view text, bool keep_newlines = true);

// The help text, one command per line.
std::string_view shell_help() noexcept;

}  // namespace ae::debug_internal
