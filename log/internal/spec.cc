#include "log/internal/spec.h"

#include <cctype>
#include <optional>
#include <utility>

#include "log/error.h"
#include "log/internal/syslog_target.h"

namespace ae::log_internal {
namespace {

using ae::log::Level;

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

ae::Error parse_error(std::string_view part, std::string_view why) {
  constexpr std::size_t kMaxQuote = 80;
  std::string quoted(part.substr(0, kMaxQuote));
  if (part.size() > kMaxQuote) quoted += "...";
  return ae::Error{ae::log::Error::kParseError,
                   "parse error at '" + quoted + "' (" + std::string(why) + ")"};
}

// The rest of the current line: what AnyEvent's /\G(.+)/ quotes.
std::string_view rest_of_line(std::string_view spec, std::size_t pos) {
  std::string_view rest = spec.substr(pos);
  return rest.substr(0, rest.find('\n'));
}

class Scanner {
 public:
  explicit Scanner(std::string_view spec) : s_(spec) {}

  std::size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  void advance() { ++pos_; }
  void skip(bool also_colons) {
    while (!at_end() && (is_space(s_[pos_]) || (also_colons && s_[pos_] == ':'))) ++pos_;
  }

  // Reads up to an unescaped stop character (whitespace, a single ':', and `stop`); "::" and
  // backslash escapes are part of the token. Returns the unescaped token and, through `raw`,
  // the text as written.
  std::string token(char stop, std::string_view* raw) {
    std::string out;
    std::size_t start = pos_;
    while (!at_end()) {
      char c = s_[pos_];
      if (c == '\\' && pos_ + 1 < s_.size()) {
        out.push_back(s_[pos_ + 1]);
        pos_ += 2;
      } else if (c == ':' && pos_ + 1 < s_.size() && s_[pos_ + 1] == ':') {
        out.append("::");
        pos_ += 2;
      } else if (c == ':' || c == stop || is_space(c)) {
        break;
      } else {
        out.push_back(c);
        ++pos_;
      }
    }
    *raw = s_.substr(start, pos_ - start);
    return out;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

SpecContext context_named(std::string name) {
  SpecContext c;
  if (name == "collect") {
    c.kind = SpecContext::Kind::kCollect;
  } else if (name == "filter") {
    c.kind = SpecContext::Kind::kFilter;
  } else if (name == "log") {
    c.kind = SpecContext::Kind::kLog;
  } else if (name.size() > 1 && name[0] == '%') {
    c.kind = SpecContext::Kind::kAnonymous;
  } else {
    // A trailing "::" forces the name reading ("log::" is the context named "log").
    if (name.size() >= 2 && name.compare(name.size() - 2, 2, "::") == 0)
      name.resize(name.size() - 2);
    c.kind = SpecContext::Kind::kNamed;
  }
  c.name = std::move(name);
  return c;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

enum class Mode { kLevel, kEnable, kDisable };

// Interprets one directive; appends its operations.
std::optional<ae::Error> interpret(const std::string& d, std::string_view raw, Mode& mode,
                                   std::vector<SpecOp>& ops) {
  auto op = [&](SpecOp::Kind kind) -> SpecOp& {
    SpecOp& added = ops.emplace_back();
    added.kind = kind;
    return added;
  };
  if (d == "stderr") {
    op(SpecOp::Kind::kStderr);
  } else if (starts_with(d, "file=") && d.size() > 5) {
    op(SpecOp::Kind::kFile).text = d.substr(5);
  } else if (starts_with(d, "path=") && d.size() > 5) {
    op(SpecOp::Kind::kPath).text = d.substr(5);
  } else if (d == "syslog" || starts_with(d, "syslog=")) {
    std::string name = d.size() > 7 ? d.substr(7) : "user";
    std::optional<int> facility = syslog_facility(name);
    if (!facility) return parse_error(raw, "unknown syslog facility '" + name + "'");
    op(SpecOp::Kind::kSyslog).facility = *facility;
  } else if (d == "nolog") {
    op(SpecOp::Kind::kNolog);
  } else if (starts_with(d, "cap=")) {
    std::optional<Level> level = ae::log::parse_level(std::string_view(d).substr(4));
    if (!level) return parse_error(raw, "cap needs a level");
    op(SpecOp::Kind::kCap).level = *level;
  } else if (d == "+") {
    op(SpecOp::Kind::kDetachAll);
  } else if (d.size() > 1 && d[0] == '+') {
    op(SpecOp::Kind::kAttach).context = context_named(d.substr(1));
  } else if (d == "off" || d == "0") {
    op(SpecOp::Kind::kLevel).level = Level::off();
  } else if (d == "all") {
    op(SpecOp::Kind::kLevel).level = Level::all();
  } else if (d == "level") {
    op(SpecOp::Kind::kLevel).level = Level::all();
    mode = Mode::kLevel;
  } else if (d == "only") {
    op(SpecOp::Kind::kLevel).level = Level::off();
    mode = Mode::kEnable;
  } else if (d == "except") {
    op(SpecOp::Kind::kLevel).level = Level::all();
    mode = Mode::kDisable;
  } else if (std::optional<Level> level = ae::log::parse_level(d);
             level && level->is_message_level()) {
    SpecOp::Kind kind = mode == Mode::kLevel    ? SpecOp::Kind::kLevel
                        : mode == Mode::kEnable ? SpecOp::Kind::kEnable
                                                : SpecOp::Kind::kDisable;
    op(kind).level = *level;
  } else {
    return parse_error(raw, "unknown directive");
  }
  return std::nullopt;
}

}  // namespace

ae::Result<std::vector<SpecEntry>> parse_spec(std::string_view spec) {
  std::vector<SpecEntry> entries;
  Scanner in(spec);
  in.skip(false);
  while (!in.at_end()) {
    std::size_t start = in.pos();
    std::string_view raw;
    std::string name = in.token('=', &raw);
    if (name.empty() || in.peek() != '=') {
      return parse_error(rest_of_line(spec, start), "expected context=directives");
    }
    in.advance();
    SpecEntry& entry = entries.emplace_back();
    entry.context = context_named(std::move(name));
    Mode mode = Mode::kLevel;
    while (true) {
      std::size_t at = in.pos();
      std::string directive = in.token(',', &raw);
      if (raw.empty()) {
        if (in.peek() == ',') return parse_error(rest_of_line(spec, at), "empty directive");
        break;  // "ctx=" with nothing, or a trailing comma
      }
      if (auto error = interpret(directive, raw, mode, entry.ops)) return *error;
      if (in.peek() != ',') break;
      in.advance();
    }
    in.skip(true);
  }
  return entries;
}

}  // namespace ae::log_internal
