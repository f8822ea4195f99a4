// ae::log::Level: AnyEvent::Log's nine levels, by number or by name.
//
// Levels run from 1 (fatal, the highest priority) to 9 (trace). Wherever //log takes a level it
// takes an ae::LogLevel, a number or a name with AnyEvent's aliases:
//
//   1 fatal (emerg, exit)  2 alert  3 critical (crit)  4 error (err, die)  5 warn (warning)
//   6 note (notice)  7 info  8 debug  9 trace
//
// Two more values exist for the calls that set filters: 0 ("off", "none") and "all".
//
// Example:
//   ae::log::Level a = ae::LogLevel::kWarn, b = 5, c = "warning";  // the same level
//   std::optional<ae::log::Level> d = ae::log::parse_level(getenv_value);  // runtime text
//   ae::log::level_name(c);  // "warn"
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "core/log_hook.h"

namespace ae::log {

class Level;
constexpr std::optional<Level> parse_level(std::string_view text) noexcept;

class Level {
 public:
  // Level 1..9.
  constexpr Level(LogLevel level) noexcept  // NOLINT: implicit, so ae::LogLevel works everywhere
      : n_(static_cast<int>(level)) {}
  // 0 (off) or 1..9. Errors: std::invalid_argument for any other number (a compile error when
  // the number is a constant expression).
  constexpr Level(int number)  // NOLINT: implicit, so `5` works everywhere
      : n_(checked(number)) {}
  // A name or alias, "off"/"none", "all", or a digit. Only for string literals and other constant
  // expressions: an unknown name is a compile error. Use parse_level() for text known at run time.
  consteval Level(const char* name)  // NOLINT: implicit, so "warn" works everywhere
      : n_(named(name)) {}

  // Level 0: no level at all (for level() and cap()).
  static constexpr Level off() noexcept { return Level(Raw{}, 0); }
  // Every level (for level(), levels(), enable(), disable()).
  static constexpr Level all() noexcept { return Level(Raw{}, kAllNumber); }

  // 0..9, or 10 for all().
  constexpr int number() const noexcept { return n_; }
  // True for 1..9, the levels a message can have.
  constexpr bool is_message_level() const noexcept { return n_ >= 1 && n_ <= 9; }

  friend constexpr bool operator==(Level, Level) noexcept = default;

 private:
  static constexpr int kAllNumber = 10;
  struct Raw {};
  constexpr Level(Raw, int n) noexcept : n_(n) {}

  static constexpr int checked(int n) {
    if (n < 0 || n > 9) throw std::invalid_argument("not a valid logging level (0-9)");
    return n;
  }
  static consteval int named(const char* name) {
    std::optional<Level> level = parse_level(name);
    if (!level) throw std::invalid_argument("not a valid logging level name");
    return level->n_;
  }

  friend constexpr std::optional<Level> parse_level(std::string_view text) noexcept;

  int n_;
};

// Parses a level name, alias or digit ("warn", "warning", "5"), "off"/"none"/"0" or "all", as
// AnyEvent::Log spells them (case-sensitive). Returns nullopt for anything else.
constexpr std::optional<Level> parse_level(std::string_view text) noexcept {
  struct Name {
    std::string_view name;
    int number;
  };
  constexpr std::array<Name, 19> kNames{{{"fatal", 1},
                                         {"emerg", 1},
                                         {"exit", 1},
                                         {"alert", 2},
                                         {"critical", 3},
                                         {"crit", 3},
                                         {"error", 4},
                                         {"err", 4},
                                         {"die", 4},
                                         {"warn", 5},
                                         {"warning", 5},
                                         {"note", 6},
                                         {"notice", 6},
                                         {"info", 7},
                                         {"debug", 8},
                                         {"trace", 9},
                                         {"off", 0},
                                         {"none", 0},
                                         {"all", Level::kAllNumber}}};
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '9') {
    return Level(Level::Raw{}, text[0] - '0');
  }
  for (const Name& n : kNames) {
    if (n.name == text) return Level(Level::Raw{}, n.number);
  }
  return std::nullopt;
}

// AnyEvent's short name of a level, as the default format prints it: "fatal", "alert", "crit",
// "error", "warn", "note", "info", "debug", "trace"; "off" for 0 and "all" for all().
constexpr std::string_view level_name(Level level) noexcept {
  constexpr std::array<std::string_view, 11> kNames{
      "off", "fatal", "alert", "crit", "error", "warn", "note", "info", "debug", "trace", "all"};
  return kNames[static_cast<std::size_t>(level.number())];
}

}  // namespace ae::log
