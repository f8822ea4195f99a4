#include "log/level.h"

#include <stdexcept>
#include <string>

#include "gtest/gtest.h"

namespace ae::log {
namespace {

// Names resolve at compile time; an unknown name would not compile.
static_assert(Level("fatal").number() == 1);
static_assert(Level("warning").number() == 5);
static_assert(Level(ae::LogLevel::kTrace).number() == 9);
static_assert(level_name(Level("crit")) == "crit");

TEST(LevelTest, EveryNameAndAliasMapsToAnyEventsNumber) {
  struct Case {
    const char* name;
    int number;
  };
  const Case cases[] = {{"fatal", 1},    {"emerg", 1}, {"exit", 1},    {"alert", 2},
                        {"critical", 3}, {"crit", 3},  {"error", 4},   {"err", 4},
                        {"die", 4},      {"warn", 5},  {"warning", 5}, {"note", 6},
                        {"notice", 6},   {"info", 7},  {"debug", 8},   {"trace", 9}};
  for (const Case& c : cases) {
    std::optional<Level> level = parse_level(c.name);
    ASSERT_TRUE(level.has_value()) << c.name;
    EXPECT_EQ(level->number(), c.number) << c.name;
    EXPECT_TRUE(level->is_message_level()) << c.name;
  }
}

TEST(LevelTest, DigitsAreLevelsByNumber) {
  for (int n = 0; n <= 9; ++n) {
    std::optional<Level> level = parse_level(std::to_string(n));
    ASSERT_TRUE(level.has_value()) << n;
    EXPECT_EQ(level->number(), n);
    EXPECT_EQ(Level(n).number(), n);
  }
}

TEST(LevelTest, OffNoneAndAllAreFilterValuesNotMessageLevels) {
  EXPECT_EQ(parse_level("off"), Level::off());
  EXPECT_EQ(parse_level("none"), Level::off());
  EXPECT_EQ(parse_level("0"), Level::off());
  EXPECT_EQ(parse_level("all"), Level::all());
  EXPECT_FALSE(Level::off().is_message_level());
  EXPECT_FALSE(Level::all().is_message_level());
}

TEST(LevelTest, UnknownTextIsRejected) {
  for (const char* bad : {"", "WARN", "warnings", "10", "-1", " 5", "5 ", "loud", "1.0"}) {
    EXPECT_FALSE(parse_level(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(LevelTest, NumbersOutsideZeroToNineThrow) {
  int ten = 10, minus = -1;
  EXPECT_THROW(Level{ten}, std::invalid_argument);
  EXPECT_THROW(Level{minus}, std::invalid_argument);
}

TEST(LevelTest, NamesAreAnyEventsShortNames) {
  const char* expected[] = {"off",  "fatal", "alert", "crit",  "error", "warn",
                            "note", "info",  "debug", "trace", "all"};
  for (int n = 0; n <= 9; ++n) EXPECT_EQ(level_name(Level(n)), expected[n]);
  EXPECT_EQ(level_name(Level::all()), "all");
  EXPECT_EQ(level_name(ae::LogLevel::kCritical), "crit");
}

TEST(LevelTest, LogLevelNumberAndNameAreTheSameLevel) {
  EXPECT_EQ(Level(ae::LogLevel::kWarn), Level(5));
  EXPECT_EQ(Level("warn"), Level(5));
  EXPECT_EQ(Level("notice"), Level(ae::LogLevel::kNote));
}

}  // namespace
}  // namespace ae::log
