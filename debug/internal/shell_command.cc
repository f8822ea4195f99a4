#include "debug/internal/shell_command.h"

#include <charconv>
#include <cstdio>
#include <system_error>

#include "log/level.h"

namespace ae::debug_internal {
namespace {

bool is_printable(unsigned char c) noexcept { return c >= 0x20 && c < 0x7f; }

Result<ShellCommand> refuse(std::string message) {
  return Error{std::make_error_code(std::errc::invalid_argument), std::move(message)};
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Splits off the first space-separated word of `rest`.
std::string_view next_word(std::string_view& rest) noexcept {
  rest = trim(rest);
  std::size_t end = rest.find(' ');
  std::string_view word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  return word;
}

// "12", "12,13", "12 13": ids separated by commas or spaces.
Result<ShellCommand> parse_ids(ShellCommand command, std::string_view rest, bool required) {
  std::size_t i = 0;
  while (i < rest.size()) {
    if (rest[i] == ' ' || rest[i] == ',') {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < rest.size() && rest[end] != ' ' && rest[end] != ',') ++end;
    std::string_view word = rest.substr(i, end - i);
    if (word.size() > 1 && word[0] == '#') word.remove_prefix(1);  // as wl prints them
    std::uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), id);
    if (ec != std::errc() || ptr != word.data() + word.size() || id == 0) {
      return refuse("'" + std::string(word) + "' is not a watcher id (a number from wl)");
    }
    if (command.ids.size() == kMaxShellIds) {
      return refuse("more than " + std::to_string(kMaxShellIds) + " ids");
    }
    command.ids.push_back(id);
    i = end;
  }
  if (required && command.ids.empty()) return refuse("which watcher? give an id from wl");
  return command;
}

// An optional level from 0 to `max`, by number (or, for v, by //log's level names).
Result<ShellCommand> parse_level_argument(ShellCommand command, std::string_view rest, int max,
                                          bool names) {
  std::string_view word = next_word(rest);
  if (!trim(rest).empty()) return refuse("one level at most");
  if (word.empty()) return command;
  std::optional<log::Level> level;
  if (names) {
    level = log::parse_level(word);
  } else if (word.size() == 1 && word[0] >= '0' && word[0] <= '9') {
    level = log::Level(word[0] - '0');
  }
  if (!level || level->number() > max) {
    return refuse("'" + std::string(word) + "' is not a level from 0 to " + std::to_string(max));
  }
  command.level = level->number();
  return command;
}

Result<ShellCommand> parse_log(ShellCommand command, std::string_view rest) {
  std::string_view context = next_word(rest);
  std::string_view level = next_word(rest);
  if (context.empty() || level.empty() || !trim(rest).empty()) {
    return refuse("usage: log CONTEXT LEVEL (e.g. log ae::core debug)");
  }
  if (context.size() > 128) return refuse("a context name of at most 128 characters");
  for (char c : context) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ':';
    if (!ok) return refuse("a context name holds letters, digits, '_' and ':' only");
  }
  std::optional<log::Level> parsed = log::parse_level(level);
  if (!parsed) return refuse("'" + std::string(level) + "' is not a log level (0-9, a name, all)");
  command.context = std::string(context);
  command.level = parsed->number();
  return command;
}

}  // namespace

std::vector<ShellLineReader::Line> ShellLineReader::feed(std::string_view bytes) {
  std::vector<Line> lines;
  while (!bytes.empty()) {
    std::size_t nl = bytes.find('\n');
    bool complete = nl != std::string_view::npos;
    std::string_view piece = bytes.substr(0, nl);
    if (skipping_) {
      skipping_ = !complete;  // the overlong line was reported when it went over
    } else if (partial_.size() + piece.size() > max_line_ + 1) {
      // Over the limit even if its last byte is the "\r" of a "\r\n".
      partial_.clear();
      lines.push_back({true, {}});
      skipping_ = !complete;
    } else {
      partial_.append(piece);
      if (complete) {
        if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
        if (partial_.size() > max_line_) {
          lines.push_back({true, {}});
        } else {
          lines.push_back({false, std::move(partial_)});
        }
        partial_.clear();
      }
    }
    if (!complete) break;
    bytes.remove_prefix(nl + 1);
  }
  return lines;
}

Result<ShellCommand> parse_shell_line(std::string_view line) {
  if (line.size() > kMaxShellLine) return refuse("line too long");
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if (!is_printable(c)) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "byte 0x%02x at column %zu: only printable ASCII is accepted",
                    c, i + 1);
      return refuse(buf);
    }
  }
  std::string_view rest = line;
  std::string_view verb = next_word(rest);
  ShellCommand command;
  if (verb.empty()) return command;
  if (verb.size() > 16) return refuse("unknown command (try help)");
  auto no_arguments = [&](ShellVerb v) -> Result<ShellCommand> {
    if (!trim(rest).empty()) return refuse(std::string(verb) + " takes no arguments");
    command.verb = v;
    return command;
  };
  if (verb == "help") return no_arguments(ShellVerb::kHelp);
  if (verb == "metrics") return no_arguments(ShellVerb::kMetrics);
  if (verb == "quit") return no_arguments(ShellVerb::kQuit);
  if (verb == "wl") {
    command.verb = ShellVerb::kWatchers;
    std::string_view pattern = trim(rest);
    // AnyEvent's shell takes a quoted Perl string here: accept the quotes.
    if (pattern.size() >= 2 && (pattern.front() == '\'' || pattern.front() == '"') &&
        pattern.back() == pattern.front()) {
      pattern = pattern.substr(1, pattern.size() - 2);
    }
    command.pattern = std::string(pattern);
    return command;
  }
  if (verb == "w" || verb == "i") {
    command.verb = ShellVerb::kWatcher;
    return parse_ids(std::move(command), rest, true);
  }
  if (verb == "t" || verb == "u") {
    command.verb = verb == "t" ? ShellVerb::kTrace : ShellVerb::kUntrace;
    return parse_ids(std::move(command), rest, false);
  }
  if (verb == "v") {
    command.verb = ShellVerb::kVerbosity;
    return parse_level_argument(std::move(command), rest, 9, true);
  }
  if (verb == "wr") {
    command.verb = ShellVerb::kWrap;
    return parse_level_argument(std::move(command), rest, 2, false);
  }
  if (verb == "log") {
    command.verb = ShellVerb::kLog;
    return parse_log(std::move(command), rest);
  }
  return refuse("unknown command '" + std::string(verb) + "' (try help)");
}

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_printable(c) || (keep_newlines && c == '\n')) {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string_view shell_help() noexcept {
  return "help            this text\n"
         "wl [pattern]    the watchers whose line contains pattern (* and ? are wildcards)\n"
         "w id,...        the watchers with these ids in detail (i is the same)\n"
         "t [id,...]      trace these watchers; without ids, every watcher without its own "
         "setting\n"
         "u [id,...]      stop tracing them (the same without ids)\n"
         "v [level]       send log messages of this level and above here (0-9 or a name); "
         "without, toggle 0/9\n"
         "wr [level]      the wrap level for new watchers (0-2); without, toggle 0/1\n"
         "metrics         every loop's metrics, in Prometheus's text format\n"
         "log CTX LEVEL   let CTX log LEVEL and above (AE_LOG's CTX=LEVEL)\n"
         "quit            close this connection\n";
}

}  // namespace ae::debug_internal
